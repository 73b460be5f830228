"""Perceptual image hashes: the canary photo is recognised after resizing and recompression."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 32 * 1024 * 1024
"""Larger bodies are not decoded as pictures (an app may send anything)."""
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")
"""JPEG, PNG, GIF, BMP (WebP is checked at its offset): anything else is not tried as a picture."""
MATCH_DISTANCE = 10
"""Bits out of 64 two dHashes may differ and still be the same picture."""


def dhash(data: bytes, size: int = 8) -> str | None:
    """64-bit difference hash as hex, or None when `data` is not an image Pillow can read."""
    if len(data) > MAX_IMAGE_BYTES or (not data.startswith(IMAGE_MAGIC) and data[8:12] != b"WEBP"):
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            # JPEG can decode at 1/8 scale straight from the DCT: a 9×8 hash needs no more.
            image.draft("L", (max(size * 4, 32), max(size * 4, 32)))
            grey = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    pixels = grey.tobytes()  # mode L: one byte per pixel
    bits = 0
    for row in range(size):
        for col in range(size):
            left, right = pixels[row * (size + 1) + col], pixels[row * (size + 1) + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def same_picture(a: str, b: str) -> bool:
    return distance(a, b) <= MATCH_DISTANCE
