"""Finding a canary position in traffic, in the coordinate systems Chinese apps send.

AMap / Tencent send GCJ-02 (the state-mandated offset of WGS-84); Baidu sends BD-09 (derived
from GCJ-02). The conversions are the public series (Krasovsky ellipsoid a=6378245.0,
ee=0.00669342162296594323; BD-09 with x_pi = π·3000/180).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

A = 6378245.0
EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0


def _out_of_china(lat: float, lon: float) -> bool:
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if _out_of_china(lat, lon):
        return lat, lon
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


@functools.lru_cache(maxsize=16)
def systems(lat: float, lon: float) -> dict[str, tuple[float, float]]:
    gcj = wgs84_to_gcj02(lat, lon)
    return {"WGS-84": (lat, lon), "GCJ-02": gcj, "BD-09": gcj02_to_bd09(*gcj)}


TOLERANCE = 0.0012
"""Degrees (~130 m): a value rounded to three decimals still matches; the GCJ-02 offset (~300–600 m)
keeps the systems apart."""
NUMBER_AT = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class GeoMatch:
    system: str
    latitude: float
    longitude: float
    decimals: int
    """Precision the app sent (digits after the point; 6 for integer micro-degrees)."""


@functools.lru_cache(maxsize=64)
def _prefixes(value: float) -> tuple[str, ...]:
    """Text every number within TOLERANCE of `value` starts with: the decimal form to two decimals
    ("30.27") and the integer forms of ×1e5 / ×1e6 ("3027…"). Few and short, so one fast substring
    search each; the token found is then checked exactly."""
    first, last = math.floor((value - TOLERANCE) * 100), math.floor((value + TOLERANCE) * 100)
    return tuple(sorted({form for x in range(first, last + 1) for form in (f"{x / 100:.2f}", str(x))}))


def _hits(text: str, value: float) -> list[int]:
    """Precisions (decimals) at which `value` appears in `text` as a whole number token (the first
    valid occurrence of each form is enough)."""
    found = []
    for prefix in _prefixes(value):
        start = text.find(prefix)
        while start != -1:
            if start == 0 or not (text[start - 1].isdigit() or text[start - 1] == "."):
                token = NUMBER_AT.match(text, start)
                precision = _precision(token.group(0), value) if token else []
                if precision:
                    found += precision
                    break
            start = text.find(prefix, start + 1)
    return found


def _precision(token: str, value: float) -> list[int]:
    if "." in token:
        decimals = len(token.split(".")[1])
        return [decimals] if decimals >= 3 and abs(float(token) - value) <= TOLERANCE else []
    if 7 <= len(token) <= 12:  # integer micro-degrees (×1e6) or ×1e5, as some SDKs send
        return [d for d, scale in ((6, 1e6), (5, 1e5)) if abs(int(token) / scale - value) <= TOLERANCE]
    return []


def find_location(text: str, lat: float, lon: float) -> GeoMatch | None:
    """The canary position in `text`, in any system and at any precision down to three decimals.

    Substring search for the few prefixes the canary can have (fast, C-level) instead of parsing
    every number in the body: bodies are large, positions rare."""
    for system, (s_lat, s_lon) in systems(lat, lon).items():
        lat_hits = _hits(text, s_lat)
        if not lat_hits:
            continue
        lon_hits = _hits(text, s_lon)
        if lon_hits:
            return GeoMatch(system, s_lat, s_lon, min(max(lat_hits), max(lon_hits)))
    return None
