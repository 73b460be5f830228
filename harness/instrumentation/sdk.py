"""Which SDK a hooked call came from, by the package prefixes on its Java stack.

The first frame outside the platform and the hook catalogue's own classes names the caller; a known
SDK prefix names the SDK, otherwise the caller's package is reported as the app's own code.
"""

from __future__ import annotations

SDKS: tuple[tuple[str, str], ...] = (
    ("com.amap.", "高德 AMap SDK"),
    ("com.autonavi.", "高德 AMap SDK"),
    ("com.baidu.location.", "百度定位 SDK"),
    ("com.baidu.mapapi.", "百度地图 SDK"),
    ("com.tencent.map.", "腾讯定位 SDK"),
    ("com.tencent.mm.", "微信 SDK"),
    ("com.google.android.gms.", "Google Play services"),
    ("com.huawei.hms.", "华为 HMS Core"),
    ("com.umeng.", "友盟 SDK"),
    ("cn.jpush.", "极光推送 SDK"),
    ("cn.jiguang.", "极光 SDK"),
    ("com.igexin.", "个推 SDK"),
    ("com.getui.", "个推 SDK"),
    ("com.alipay.", "支付宝 SDK"),
    ("com.tencent.bugly.", "Bugly SDK"),
    ("com.sensorsdata.", "神策 SDK"),
    ("io.dcloud.", "DCloud uni-app"),
    ("com.tencent.smtt.", "腾讯 X5 内核"),
    ("okhttp3.", "OkHttp"),
)

PLATFORM = ("java.", "javax.", "android.", "androidx.", "com.android.", "dalvik.", "libcore.", "sun.", "jdk.",
            "kotlin.", "kotlinx.")


def _class_of(frame: str) -> str:
    # "com.amap.api.location.AMapLocationClient.startLocation(AMapLocationClient.java:12)" → class name;
    # HotSpot prefixes module frames ("java.base/java.lang.Thread…").
    name = frame.split("(", 1)[0].rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0]


def _sdk_of(cls: str) -> str:
    return next((name for prefix, name in SDKS if cls.startswith(prefix)), "")


def attribute(stack: list[str], api: str = "") -> tuple[str, str]:
    """(sdk, caller) of a hooked call: the SDK whose API was hooked or whose code called it ("" for the
    app's own code), and the first calling class outside the platform ("" when there is none)."""
    hooked = api.rsplit(".", 1)[0]
    caller = ""
    sdk = _sdk_of(hooked)
    for frame in stack:
        cls = _class_of(frame)
        if not cls or cls == hooked or cls.startswith(PLATFORM):
            continue
        caller = caller or cls
        sdk = sdk or _sdk_of(cls)
        if sdk:
            break
    return sdk, caller
