"""Character-encoding labels as browsers accept them (the WHATWG Encoding Standard).

``resources/web_encodings.json`` holds the standard's table as data: each encoding's
labels and the Python codec that decodes it. :func:`web_codec` is the one way a label
from a page (HTTP ``Content-Type`` charset, ``<meta charset>``) becomes a codec: a label
outside the standard (``utf-7``, ``unicode_escape``, ``rot13``, ``base64``, ``zlib``,
``punycode``, ...) yields None and the caller goes on to its next source, as a
browser does; labels keep their web meaning (``iso-8859-1`` and ``ascii`` are
windows-1252, ``gb2312`` is GB18030, ...). The table is read once; thread-safe.
"""

from __future__ import annotations

import functools
import json
from importlib import resources as importlib_resources

_ASCII_WHITESPACE = "\t\n\f\r "


@functools.cache
def _labels() -> dict[str, str | None]:
    raw = importlib_resources.files("resources").joinpath("web_encodings.json").read_text("utf-8")
    table: dict[str, str | None] = {}
    for entry in json.loads(raw)["encodings"].values():
        for label in entry["labels"]:
            table[label] = entry["codec"]
    return table


def web_codec(label: str | None) -> str | None:
    """The Python codec for a web encoding label, or None for a label browsers do not
    accept (or one whose encoding is never decoded: "replacement", "x-user-defined")."""
    if not label:
        return None
    key = label.strip(_ASCII_WHITESPACE + "\"'").lower()
    if not key.isascii():
        return None
    return _labels().get(key)
