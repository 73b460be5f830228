"""Finding a canary position in traffic, in the coordinate systems Chinese apps send.

AMap / Tencent send GCJ-02 (the state-mandated offset of WGS-84); Baidu sends BD-09 (derived
from GCJ-02). The conversions are the public series (Krasovsky ellipsoid a=6378245.0,
ee=0.00669342162296594323; BD-09 with x_pi = π·3000/180).
"""

from __future__ import annotations

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


def systems(lat: float, lon: float) -> dict[str, tuple[float, float]]:
    gcj = wgs84_to_gcj02(lat, lon)
    return {"WGS-84": (lat, lon), "GCJ-02": gcj, "BD-09": gcj02_to_bd09(*gcj)}


NUMBER = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{2,17}(?![\d])|(?<![\d.])-?\d{7,12}(?![\d.])")
TOLERANCE = 0.0012
"""Degrees (~130 m): a value rounded to three decimals still matches; the GCJ-02 offset (~300–600 m)
keeps the systems apart."""


@dataclass(frozen=True)
class GeoMatch:
    system: str
    latitude: float
    longitude: float
    decimals: int
    """Precision the app sent (digits after the point; 6 for integer micro-degrees)."""


def _numbers(text: str) -> list[tuple[float, int]]:
    found = []
    for token in NUMBER.findall(text):
        if "." in token:
            found.append((float(token), len(token.split(".")[1])))
        else:  # integer micro-degrees (×1e6) or ×1e5, as some SDKs send
            value = int(token)
            found += [(value / 1e6, 6), (value / 1e5, 5)]
    return found


def find_location(text: str, lat: float, lon: float) -> GeoMatch | None:
    """The canary position in `text`, in any system and at any precision down to three decimals."""
    numbers = _numbers(text)
    if len(numbers) < 2:
        return None
    for system, (s_lat, s_lon) in systems(lat, lon).items():
        lat_hit = min(((abs(n - s_lat), d) for n, d in numbers if abs(n - s_lat) <= TOLERANCE), default=None)
        lon_hit = min(((abs(n - s_lon), d) for n, d in numbers if abs(n - s_lon) <= TOLERANCE), default=None)
        if lat_hit and lon_hit:
            decimals = min(lat_hit[1], lon_hit[1])
            if decimals >= 3:
                return GeoMatch(system, s_lat, s_lon, decimals)
    return None
