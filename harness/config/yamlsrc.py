"""YAML loading that remembers where each value came from, so errors can name a line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError, ValidationInfo

from harness.errors import ConfigError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines)


SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def safe_id(value: str) -> str:
    """Ids name files and folders (reports/…/runs/<app>@<device>): keep them short and plain."""
    if not SAFE_ID.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits, '-', '_' or '.' (used in file names)")
    return value


def beside_config(value: Path, info: ValidationInfo) -> Path:
    """A path written in a config file, resolved against that file's folder."""
    base = info.context["path"].parent if info.context else Path.cwd()
    return (base / value).resolve()


MAX_CONFIG_BYTES = 1 << 20
"""A farm or scenario file is a page of YAML; anything bigger is not one."""


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(path, None, f"cannot read: {e.strerror}") from e
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(path, None, f"{len(raw)} bytes: a config file is at most {MAX_CONFIG_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ConfigError(path, line, f"not UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start}): "
                                      "save the file as UTF-8") from e


def _refuse_anchors(text: str, path: Path) -> None:
    """Anchors and aliases (and `<<` merges, which need them) are refused: an alias can multiply a small
    file into a huge document, and nothing in a farm or scenario needs one."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            raise ConfigError(path, line, f"YAML {kind} {'*' if kind == 'alias' else '&'}{anchor} is not allowed "
                                          "(write the value out)")


def _refuse_duplicates(node: yaml.Node, path: Path) -> None:
    """A key given twice would silently keep the last value: an error instead."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise ConfigError(path, line, f"key {key_node.value!r} repeats line {seen[key_node.value]}")
                seen[key_node.value] = line
            _refuse_duplicates(value_node, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicates(item, path)


def load_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file into plain data plus a map from value location to line number."""
    text = _text(path)
    try:
        _refuse_anchors(text, path)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _refuse_duplicates(node, path)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise ConfigError(path, line, f"not valid YAML: {e.problem}") from e
    except yaml.reader.ReaderError as e:  # a control character: no mark, a character offset
        line = text[:e.position].count("\n") + 1
        raise ConfigError(path, line, f"not valid YAML: character {e.character!r} is not allowed") from e
    except RecursionError as e:
        raise ConfigError(path, None, "not valid YAML: nested too deeply") from e
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def line_for(loc: Sequence[str | int], lines: dict[Loc, int]) -> int | None:
    """The line of the deepest known part of `loc` (pydantic locations may go deeper than YAML)."""
    parts = tuple(loc)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return lines.get(())


def validate(model: type[M], data: Any, path: Path, lines: dict[Loc, int], base: Loc = (),
             **context: Any) -> M:
    """Validate `data` into `model`; the first problem becomes a ConfigError naming file:line.
    `context` reaches the validators next to the file's path (e.g. allow_serve_anywhere)."""
    try:
        return model.model_validate(data, context={**context, "path": path})
    except ValidationError as e:
        first = e.errors()[0]
        # pydantic adds validator names ("function-after[...]") to locations; they are not YAML keys.
        loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        field = ".".join(str(p) for p in (*base, *loc)) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(path, line_for((*base, *loc), lines), f"{field}: {message}") from e
