"""Names a manifest gives (package, bundle, module, ability, activity) checked against their platform's rules
before the harness uses them: they end up in `adb shell` / `hdc shell` command lines, file names and reports,
and an app controls them. A name that breaks its rules fails the precheck saying so.

- Android package (PackageParser.validateName): two or more dot-separated parts, each a letter followed by
  letters, digits or `_`.
- Android activity: a Java class name (parts of letters, digits, `_`, `$`; not starting with a digit).
- HarmonyOS bundleName (app.json5): 7–128 bytes, letters, digits, `_` and `.`, starting with a letter, no empty
  part between dots.
- HarmonyOS module name (module.json5): letters, digits and `_`, starting with a letter, at most 31 bytes.
- HarmonyOS ability name: at most 127 bytes; letters, digits, `_` and `.`, starting with a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    what: str
    pattern: re.Pattern[str]
    max_bytes: int
    rule: str
    min_bytes: int = 1

    def problem(self, value: object) -> str | None:
        """Why `value` is not a valid name of this kind (Chinese, for the report), or None."""
        if not isinstance(value, str):
            return f"{self.what}不是字符串：{value!r}"[:200]
        size = len(value.encode("utf-8"))
        if not self.min_bytes <= size <= self.max_bytes or not self.pattern.fullmatch(value):
            return f"{self.what} {value[:160]!r} 不合法（{self.rule}）"
        return None


ANDROID_PACKAGE = NameRule("Android 包名", re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+"), 255,
                           "至少两段，以点分隔，每段以字母开头，只含字母、数字和下划线")
ANDROID_CLASS = NameRule("Activity 类名", re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*"), 1024,
                         "Java 类名：以点分隔，每段以字母、下划线或 $ 开头，只含字母、数字、下划线和 $")
HARMONY_BUNDLE = NameRule("bundleName", re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"), 128,
                          "7–128 字节，以字母开头，只含字母、数字、下划线和点，点之间不能为空", min_bytes=7)
HARMONY_MODULE = NameRule("模块名", re.compile(r"[A-Za-z][A-Za-z0-9_]*"), 31,
                          "以字母开头，只含字母、数字和下划线，最长 31 字节")
HARMONY_ABILITY = NameRule("Ability 名", re.compile(r"[A-Za-z][A-Za-z0-9_.]*"), 127,
                           "以字母开头，只含字母、数字、下划线和点，最长 127 字节")
