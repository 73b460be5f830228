"""A real, signed APK built from Debian's Android tools (aapt, smali, zipalign, apksigner against
android-framework-res): no Android SDK needed. ./setup.sh test installs them."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
SMALI_JAR = Path("/usr/share/java/smali.jar")
TOOLS = ("aapt", "zipalign", "apksigner", "keytool", "java")

ACTIVITY_SMALI = """.class public L{path}/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {{p0}}, Landroid/app/Activity;-><init>()V
    return-void
.end method
"""


@dataclass(frozen=True)
class ApkSpec:
    package: str = "gov.fingertip.sample"
    label: str = "指尖样例"
    version_code: int = 3
    version_name: str = "1.2"
    min_sdk: int = 24
    target_sdk: int = 34
    permissions: tuple[str, ...] = ("android.permission.ACCESS_FINE_LOCATION",
                                    "android.permission.ACCESS_BACKGROUND_LOCATION", "android.permission.CAMERA")
    cleartext: bool | None = True
    abis: tuple[str, ...] = ()
    """Native library folders to include (lib/<abi>/libgov.so)."""
    launcher: bool = True
    extra_files: dict[str, bytes] = field(default_factory=dict)


def missing_tools() -> list[str]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    missing += [str(p) for p in (FRAMEWORK, SMALI_JAR) if not p.exists()]
    return missing


def manifest(spec: ApkSpec) -> str:
    permissions = "".join(f'  <uses-permission android:name="{p}" />\n' for p in spec.permissions)
    cleartext = "" if spec.cleartext is None else f' android:usesCleartextTraffic="{str(spec.cleartext).lower()}"'
    launcher = ('      <intent-filter>\n        <action android:name="android.intent.action.MAIN" />\n'
                '        <category android:name="android.intent.category.LAUNCHER" />\n      </intent-filter>\n'
                if spec.launcher else "")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="{spec.package}"
  android:versionCode="{spec.version_code}" android:versionName="{spec.version_name}">
  <uses-sdk android:minSdkVersion="{spec.min_sdk}" android:targetSdkVersion="{spec.target_sdk}" />
{permissions}  <application android:label="{spec.label}"{cleartext}>
    <activity android:name=".MainActivity" android:exported="true">
{launcher}    </activity>
  </application>
</manifest>
"""


def build_apk(spec: ApkSpec, folder: Path) -> Path:
    missing = missing_tools()
    if missing:
        raise RuntimeError(f"building a test APK needs {', '.join(missing)}: run ./setup.sh install")
    work = folder / f"build-{spec.package}"
    sources = work / "smali" / Path(*spec.package.split("."))
    sources.mkdir(parents=True, exist_ok=True)
    (sources / "MainActivity.smali").write_text(ACTIVITY_SMALI.format(path=spec.package.replace(".", "/")))
    (work / "AndroidManifest.xml").write_text(manifest(spec), encoding="utf-8")

    def run(*command: str) -> None:
        subprocess.run(command, cwd=work, check=True, capture_output=True, timeout=120)

    run("java", "-jar", str(SMALI_JAR), "assemble", "-o", "classes.dex", "smali")
    run("aapt", "package", "-f", "-M", "AndroidManifest.xml", "-I", str(FRAMEWORK), "-F", "unsigned.apk")
    added = ["classes.dex"]
    for abi in spec.abis:
        library = work / "lib" / abi / "libgov.so"
        library.parent.mkdir(parents=True, exist_ok=True)
        library.write_bytes(b"\x7fELF")
        added.append(f"lib/{abi}/libgov.so")
    for name, data in spec.extra_files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
        added.append(name)
    run("aapt", "add", "unsigned.apk", *added)
    run("zipalign", "-f", "4", "unsigned.apk", "aligned.apk")
    run("keytool", "-genkeypair", "-keystore", "test.jks", "-storepass", "fingertip", "-keypass", "fingertip",
        "-alias", "test", "-keyalg", "RSA", "-keysize", "2048", "-validity", "365", "-dname", "CN=Fingertip Test",
        "-noprompt")
    out = folder / f"{spec.package}.apk"
    run("apksigner", "sign", "--ks", "test.jks", "--ks-pass", "pass:fingertip", "--out", str(out), "aligned.apk")
    return out
