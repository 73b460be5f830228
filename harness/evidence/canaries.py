"""Canary artefacts planted on the device: a unique photo (and its camera-stream copy)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageDraw


def make_canary_photo(folder: Path, seed: str) -> Path:
    """A JPEG no camera ever took: a seeded pattern that survives resizing for perceptual hashing.

    A .mjpeg copy beside it feeds Chromium's fake camera.
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (640, 480), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for i in range(16):  # 16 seeded blocks give every canary its own coarse structure
        b = digest[i * 2]
        x, y = (i % 4) * 160, (i // 4) * 120
        draw.rectangle((x + 8, y + 8, x + 152, y + 112), fill=(b, digest[i * 2 + 1], 255 - b))
    draw.text((20, 450), f"FINGERTIP CANARY {seed}", fill=(0, 0, 0))
    photo = folder / "canary-photo.jpg"
    image.save(photo, "JPEG", quality=92)
    photo.with_suffix(".mjpeg").write_bytes(photo.read_bytes())
    return photo
