"""Evidence scan throughput: unwrapping request bodies and searching them for the canaries (one core)."""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import time
from typing import Any

from PIL import Image

from harness.evidence.geo import find_location, systems
from harness.evidence.images import dhash, same_picture
from harness.observe.decode import unwrap

LAT, LON = 30.2741506, 120.1551483


def _jpeg(seed: int, size: tuple[int, int]) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (64, 48))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 48)])
    out = io.BytesIO()
    image.resize(size).save(out, "JPEG", quality=70)
    return out.getvalue()


def corpus(total_mb: int = 64) -> list[tuple[str, str, bytes]]:
    """A mix like a day of app traffic: JSON APIs, form posts, gzip+base64 reports, photo uploads."""
    rng = random.Random(7)
    gcj = systems(LAT, LON)["GCJ-02"]
    bodies: list[tuple[str, str, bytes]] = []
    size = 0
    photo = _jpeg(1, (800, 600))
    while size < total_mb * 2**20:
        kind = rng.random()
        if kind < 0.55:
            items = [{"id": i, "title": "政务服务事项" * 3, "lat": rng.uniform(20, 40), "lng": rng.uniform(100, 120)}
                     for i in range(rng.randrange(50, 400))]
            body = ("application/json", json.dumps({"data": items}, ensure_ascii=False).encode())
        elif kind < 0.75:
            body = ("application/x-www-form-urlencoded",
                    f"lat={gcj[0]:.6f}&lng={gcj[1]:.6f}&t={rng.random()}".encode() * 50)
        elif kind < 0.9:
            inner = gzip.compress(json.dumps({"track": [[LAT, LON]] * 2000}).encode())
            body = ("application/json", json.dumps({"payload": base64.b64encode(inner).decode()}).encode())
        else:
            boundary = "----bench"
            body = (f"multipart/form-data; boundary={boundary}",
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\"\r\n\r\n".encode()
                    + photo + f"\r\n--{boundary}--\r\n".encode())
        bodies.append(("http://api.demo.test/x", *body))
        size += len(body[1])
    return bodies


def run() -> list[dict[str, Any]]:
    bodies = corpus()
    total = sum(len(b) for _, _, b in bodies)
    canary = dhash(_jpeg(1, (320, 240))) or ""
    started = time.process_time()
    found = 0
    for url, content_type, body in bodies:
        carried = unwrap(url, content_type, body)
        found += find_location(carried.text, LAT, LON) is not None
        found += any(same_picture(h, canary) for h in carried.images)
    elapsed = time.process_time() - started
    rate = total / 2**20 / elapsed
    return [{"name": "evidence_scan_throughput", "value": round(rate, 1), "unit": "MB/s", "goal": ">= 200",
             "met": rate >= 200, "note": f"{total / 2**20:.0f} MB of bodies, {len(bodies)} requests, "
                                         f"{found} canary hits, CPU time on one core"}]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
