"""Canary evidence: coordinate systems, unwrapping requests, perceptual photo matching."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from harness.evidence.canaries import make_canary_photo
from harness.evidence.geo import find_location, gcj02_to_bd09, systems, wgs84_to_gcj02
from harness.evidence.images import dhash, same_picture
from harness.evidence.redact import redact
from harness.observe.decode import unwrap

LAT, LON = 30.2741506, 120.1551483


def test_conversions_match_the_public_reference_values() -> None:
    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-9)
    assert gcj02_to_bd09(39.915, 116.404) == pytest.approx((39.92133699351022, 116.41036949371029), abs=1e-9)
    assert wgs84_to_gcj02(48.85, 2.35) == (48.85, 2.35)  # no offset outside China


@pytest.mark.parametrize("system", ["WGS-84", "GCJ-02", "BD-09"])
@pytest.mark.parametrize("decimals", [3, 4, 6, 8])
def test_finds_the_canary_in_every_system_and_precision(system: str, decimals: int) -> None:
    lat, lon = systems(LAT, LON)[system]
    match = find_location(json.dumps({"loc": f"{lon:.{decimals}f},{lat:.{decimals}f}"}), LAT, LON)
    assert match is not None and match.system == system and match.decimals == decimals


def test_integer_micro_degrees_and_too_coarse_positions() -> None:
    assert find_location(f"lat={round(LAT * 1e6)}&lng={round(LON * 1e6)}", LAT, LON) is not None
    assert find_location("lat=30.27&lng=120.16", LAT, LON) is None  # a city, not a position
    assert find_location("lat=31.2304&lng=121.4737", LAT, LON) is None  # somewhere else


CANARIES: dict[str, bytes] = {}


def picture(size: tuple[int, int] = (640, 480), quality: int = 60, kind: str = "JPEG", seed: str = "a") -> bytes:
    if seed not in CANARIES:
        with tempfile.TemporaryDirectory() as folder:
            CANARIES[seed] = make_canary_photo(Path(folder), seed).read_bytes()
    with Image.open(io.BytesIO(CANARIES[seed])) as image:
        out = io.BytesIO()
        image.convert("RGB").resize(size).save(out, kind, quality=quality)
    return out.getvalue()


def test_the_canary_photo_survives_resizing_and_recompression() -> None:
    original = dhash(picture())
    assert original is not None
    for variant in (picture((320, 240), 40), picture((1280, 960), 90, "PNG"), picture((200, 150), 25, "WEBP")):
        assert same_picture(original, dhash(variant) or "0")
    assert not same_picture(original, dhash(picture(seed="another")) or "0")


def test_unwrap_multipart_with_photo_and_location() -> None:
    boundary = "----fingertip"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n{LAT}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"lng\"\r\n\r\n{LON}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + picture() + f"\r\n--{boundary}--\r\n".encode()
    out = unwrap("http://img.demo.test/upload", f"multipart/form-data; boundary={boundary}", body)
    assert find_location(out.text, LAT, LON) is not None
    assert len(out.images) == 1 and same_picture(out.images[0], dhash(picture()) or "0")


def test_unwrap_gzip_base64_and_url_encoding() -> None:
    gcj = wgs84_to_gcj02(LAT, LON)
    inner = json.dumps({"lat": gcj[0], "lng": gcj[1]}).encode()
    wrapped = base64.b64encode(gzip.compress(inner))
    out = unwrap("http://api.demo.test/report", "application/json", json.dumps({"payload": wrapped.decode()}).encode())
    match = find_location(out.text, LAT, LON)
    assert match is not None and match.system == "GCJ-02"
    form = unwrap("http://api.demo.test/r?pos=" + f"{LON:.5f}%2C{LAT:.5f}", "", b"")
    assert find_location(form.text, LAT, LON) is not None
    data_url = b"data:image/jpeg;base64," + base64.b64encode(picture((300, 225), 50))
    assert len(unwrap("http://x.test/", "application/json", b'{"img":"' + data_url + b'"}').images) == 1


@pytest.mark.parametrize(("raw", "masked"), [
    ("phone=13800138000&x=1", "phone=138****8000&x=1"),
    ('{"idcard": "110105199001011234"}', '{"idcard": "110105********1234"}'),
    ("/api/list?access_token=eyJhbGciOi.abc&page=2", "/api/list?access_token=***&page=2"),
    ('{"password": "hunter22", "user": "u1"}', '{"password": "***", "user": "u1"}'),
    ("Authorization: Bearer abc.def.ghi", "Authorization: ***"),
    ("Cookie: SESSION=abc; theme=dark", "Cookie: ***"),
    ("tel: +86 138 0013 8000", "tel: +86 138 **** 8000"),
    ("mobile 138-0013-8000", "mobile 138-****-8000"),
    ("m=+8613800138000", "m=+86138****8000"),
    ("旧身份证 110105900101123。", "旧身份证 110105******123。"),
    ("卡号 6222 0212 3456 7890 128", "卡号 6222 **** 0128"),
    ("card=4111111111111111", "card=4111 **** 1111"),
    ("联系 zhang.san@gov.example.cn", "联系 z***@gov.example.cn"),
    ("x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcDEF_123 y", "x *** y"),
    ('{"password": "correct horse battery", "u": 1}', '{"password": "***", "u": 1}'),
    ('{"accessToken":"abc123","smsCode":"123456","sign":"ff00aa"}',
     '{"accessToken":"***","smsCode":"***","sign":"***"}'),
    ('{"appKey": "k-123456", "clientSecret": "s3cr3t!"}', '{"appKey": "***", "clientSecret": "***"}'),
])
def test_redaction_masks_personal_data_and_secrets(raw: str, masked: str) -> None:
    assert redact(raw) == masked


def test_redaction_leaves_coordinates_times_and_canaries_alone() -> None:
    text = "lat=30.2741506&lng=120.1551483&t=1795357273351&n=TS2026000001&c=指尖检测金丝雀a1b2c3&x=30274151"
    assert redact(text) == text
    # a 16-digit number whose Luhn digit is wrong is an order number, not a card
    assert redact("order=1234567890123456") == "order=1234567890123456"


def test_hostile_bodies_are_cut_safely() -> None:
    bomb = gzip.compress(b"0" * (200 * 1024 * 1024))  # 200 MB of zeros in ~200 kB
    out = unwrap("http://x.test/", "application/octet-stream", bomb)
    assert len(out.text) <= 256 * 1024
    junk = bytes(range(256)) * 40_000  # 10 MB of binary junk
    assert len(unwrap("http://x.test/", "application/octet-stream", junk).text) <= 256 * 1024
