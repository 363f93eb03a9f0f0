"""Raster image formats named by the bytes themselves (their magic numbers), never by a
label: the fetcher's image check (:func:`capture.fetch.image_type`) and the archived
image decoder (:func:`desktop.image_worker.sniff`, docs/reliability.md J2) share it.

Pure, any thread; imports nothing (the decoder process loads it before its limits).
"""

from __future__ import annotations


def raster_format(prefix: bytes) -> str | None:
    """``"png"``, ``"jpeg"``, ``"gif"``, ``"webp"`` or ``"avif"`` from an image's first
    bytes (12 are enough), else None (SVG is markup: each caller sniffs it its own way)."""
    if prefix.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if prefix.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if prefix.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if prefix[:4] == b"RIFF" and prefix[8:12] == b"WEBP":
        return "webp"
    if prefix[4:8] == b"ftyp" and prefix[8:12] in (b"avif", b"avis"):
        return "avif"
    return None
