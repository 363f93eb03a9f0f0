"""Shared helpers for the extraction tests: fixture pages written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from capture.charset import decode_html
from capture.extract import extract

PAGES = Path(__file__).parent / "pages"


def load(name: str, url: str | None = None):
    """Extract one fixture page (bytes decoded like a saved file)."""
    return extract(decode_html((PAGES / name).read_bytes(), None)[0], url)


@pytest.fixture(scope="module")
def page():
    cache: dict[tuple[str, str | None], object] = {}

    def get(name: str, url: str | None = None):
        key = (name, url)
        if key not in cache:
            cache[key] = load(name, url)
        return cache[key]

    return get
