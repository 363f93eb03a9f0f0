"""Full validation of a Cuttings export document before anything is written.

:func:`parse_document` parses bytes (duplicate keys refused) and
:func:`validate_document` checks every field of every article against the schema
(:mod:`storage.export.schema`), cleaning text on the way (NUL removed, lone
surrogates replaced by U+FFFD). Problems raise :class:`ImportRefused` with a message
naming the place (``articles[3].captures[0].sha256: ...``).

Thread rules: pure functions; safe from any thread.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from storage.export.schema import FORMAT, VERSION
from storage.models import VERDICTS

log = logging.getLogger(__name__)

_SHA = re.compile(r"[0-9a-f]{64}")
_URN = re.compile(r"urn:sha256:[0-9a-f]{64}")
MAX_URL = 8192
MAX_NAME = 255


class ImportRefused(ValueError):
    """The file cannot be imported; ``str(err)`` names the problem. Nothing was written."""


def clean_str(value: str) -> str:
    """NUL removed, lone surrogates replaced by U+FFFD (what can be stored faithfully)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def clean_field(value: str, *, name: bool = False) -> str:
    """An imported string as capture would have stored it: :func:`clean_str`, then
    control characters stripped with capture's own rule
    (:func:`capture.extract.dom.strip_controls`; for titles and names, ``name``,
    bidirectional controls too)."""
    from capture.extract.dom import strip_controls

    return strip_controls(clean_str(value), bidi=name)


def _removed_before(raw: str, kept: str) -> Callable[[int], int]:
    """Maps an offset into ``raw`` to one into ``kept`` (``raw`` with characters
    removed by :func:`clean_field`)."""
    if raw == kept:
        return lambda pos: pos
    from capture.extract.dom import strip_controls

    removed = [i for i, ch in enumerate(raw) if strip_controls(ch) == ""]
    return lambda pos: pos - bisect.bisect_left(removed, pos)


def check_web_address(where: str, value: str) -> str:
    """``value`` if it is an address an article can have: http(s), valid by capture's
    own rules (:func:`capture.urls.normalise`), or the ``urn:sha256:`` key of a page
    imported without one. ``javascript:``, ``data:``, ``file:`` ... are refused."""
    from capture.urls import UrlError, normalise

    if _URN.fullmatch(value):
        return value
    try:
        normalise(value)
    except UrlError as exc:
        raise ImportRefused(f"{where}: not a web address Cuttings archives ({exc}); only "
                            "http and https") from None
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ImportRefused(f"the JSON has the key {k!r} twice in one object")
        out[k] = v
    return out


def parse_document(data: bytes, name: str = "the file") -> dict[str, Any]:
    """Parse an export document; refuse invalid UTF-8 or JSON with line and column."""
    return parse_document_from(lambda: data, name)


def parse_document_from(read: Callable[[], bytes], name: str = "the file") -> dict[str, Any]:
    """Like :func:`parse_document`, but the bytes come from ``read()`` and are dropped
    as soon as they are decoded, so a large file is never held three times over."""
    data = read()
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data.decode("utf-8") if start == 0 else data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{name} is not UTF-8 text (byte {exc.start + start})") from exc
    del data
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                            f"column {exc.colno}") from exc
    except RecursionError as exc:
        raise ImportRefused(f"{name} is nested too deeply") from exc
    if not isinstance(doc, dict):
        raise ImportRefused(f"{name} is JSON but not a Cuttings export (not an object)")
    return doc


# type codes: s str, s? optional str, i int, i? optional int, b bool, t ISO time,
# t? optional time, h sha256, h? optional sha256, ls list of str, pairs list of
# [str|int, str|int], u URL-ish str (bounded), w an article's web address (http(s) or
# urn:sha256, see check_web_address), n name (bounded), s1 a title or name from a page
# (no bidi controls), ls1 a list of those, l list (checked apart). Every string is
# cleaned by clean_field.
ARTICLE = {"id": "i", "canonical_url": "w", "url_key": "w?", "url": "w", "site": "s1",
           "title": "s1?", "authors": "ls1", "publisher": "s1?", "published": "s?", "language": "s?",
           "description": "s?", "text": "s", "reader_html": "s", "word_count": "i",
           "status": "s", "created_at": "t?", "tags": "ln", "collections": "ln",
           "captures": "l"}
CAPTURE = {"sha256": "h", "size": "i", "source": "s", "requested_url": "w",
           "requested_key": "w", "final_url": "w", "canonical_url": "w?", "redirects": "pairs",
           "fetched_at": "t", "http_status": "i?", "headers": "pairs", "content_type": "s?", "encoding": "s?",
           "local_network_allowed": "b", "title": "s1?", "text": "s",
           "extractor_version": "s?", "latest": "b", "assets": "l"}
ASSET = {"sha256": "h", "url": "u", "media_type": "s?", "size": "i", "role": "s",
         "alt": "s?", "caption": "s?"}
QUOTE = {"text": "s", "speaker": "s1?", "role": "s1?", "cue": "s?", "start": "i", "end": "i",
         "origin": "s", "anchor_state": "s", "tags": "ln"}
SOURCE = {"name": "s1", "kind": "s", "url": "u?", "context": "s", "mentions": "pairs"}
CREDIT = {"credit": "s1", "photographer": "s1?", "provider": "s1?", "caption": "s?",
          "image_url": "u?", "image_sha256": "h?", "tags": "ln"}
CLAIM = {"text": "s", "start": "i", "end": "i", "note": "s", "verdict": "s",
         "evidence": "ls", "anchor_state": "s", "version": "i", "capture_sha256": "h?",
         "created_at": "t?", "updated_at": "t?", "tags": "ln", "collections": "ln"}
KIND_LISTS = {"quotes": ("quotes", QUOTE), "sources": ("sources", SOURCE),
              "credits": ("photo_credits", CREDIT), "claims": ("claims", CLAIM)}


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _check(where: str, code: str, value: Any) -> Any:
    optional = code.endswith("?")
    base = code.rstrip("?")
    if value is None:
        if optional:
            return None
        raise ImportRefused(f"{where}: missing or null")
    if base in ("s", "u", "n", "w", "s1"):
        if not isinstance(value, str):
            raise ImportRefused(f"{where}: expected text, found {type(value).__name__}")
        value = clean_field(value, name=base in ("n", "s1"))
        if base in ("u", "w") and len(value) > MAX_URL:
            raise ImportRefused(f"{where}: longer than {MAX_URL} characters")
        if base == "w":
            return check_web_address(where, value)
        if base == "n" and (len(value) > MAX_NAME or not value.strip()):
            raise ImportRefused(f"{where}: a name must be 1-{MAX_NAME} characters")
        return value
    if base == "i":
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**62:
            raise ImportRefused(f"{where}: expected a whole number")
        return value
    if base == "b":
        if not isinstance(value, bool):
            raise ImportRefused(f"{where}: expected true or false")
        return value
    if base == "t":
        if not isinstance(value, str):
            raise ImportRefused(f"{where}: expected an ISO 8601 time")
        try:
            parse_time(value)
        except ValueError as exc:
            raise ImportRefused(f"{where}: not an ISO 8601 time: {value[:40]!r}") from exc
        return value
    if base == "h":
        if not isinstance(value, str) or not _SHA.fullmatch(value):
            raise ImportRefused(f"{where}: not a SHA-256 hex digest")
        return value
    if base in ("ls", "ln", "ls1"):
        if not isinstance(value, list):
            raise ImportRefused(f"{where}: expected a list")
        return [_check(f"{where}[{i}]", base[1:], v) for i, v in enumerate(value)]
    if base == "pairs":
        if not isinstance(value, list):
            raise ImportRefused(f"{where}: expected a list of pairs")
        out = []
        for i, pair in enumerate(value):
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(isinstance(x, str | int) and not isinstance(x, bool)
                               for x in pair)):
                raise ImportRefused(f"{where}[{i}]: expected a pair")
            out.append([clean_field(x) if isinstance(x, str) else x for x in pair])
        return out
    if base == "l":
        if not isinstance(value, list):
            raise ImportRefused(f"{where}: expected a list")
        return value
    raise AssertionError(code)  # pragma: no cover


def _obj(where: str, spec: dict[str, str], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportRefused(f"{where}: expected an object")
    out: dict[str, Any] = {}
    for key, code in spec.items():
        if key not in value and not code.endswith("?"):
            raise ImportRefused(f"{where}: the field {key!r} is missing")
        out[key] = _check(f"{where}.{key}", code, value.get(key))
    return out


def validate_article(where: str, raw: Any, includes: set[str]) -> dict[str, Any]:
    art = _obj(where, ARTICLE, raw)
    if art["url_key"] is None:  # written before url_key: canonical_url was the key
        art["url_key"] = art["canonical_url"]
    caps = []
    seen: set[str] = set()
    for i, c in enumerate(art["captures"]):
        cw = f"{where}.captures[{i}]"
        cap = _obj(cw, CAPTURE, c)
        if cap["sha256"] in seen:
            raise ImportRefused(f"{cw}: the capture {cap['sha256'][:12]}… appears twice")
        seen.add(cap["sha256"])
        cap["assets"] = [_obj(f"{cw}.assets[{j}]", ASSET, a) for j, a in enumerate(cap["assets"])]
        caps.append(cap)
    art["captures"] = caps
    for kind, (key, spec) in KIND_LISTS.items():
        if kind not in includes:
            art[key] = []
            continue
        if key not in raw:
            raise ImportRefused(f"{where}: the field {key!r} is missing")
        items = _check(f"{where}.{key}", "l", raw[key])
        art[key] = [_obj(f"{where}.{key}[{j}]", spec, x) for j, x in enumerate(items)]
    for j, q in enumerate(art["quotes"]):
        if q["origin"] not in ("auto", "user"):
            raise ImportRefused(f"{where}.quotes[{j}].origin: must be auto or user")
    for j, c in enumerate(art["claims"]):
        if c["verdict"] not in VERDICTS:
            raise ImportRefused(f"{where}.claims[{j}].verdict: must be one of "
                                f"{', '.join(VERDICTS)}")
        if c["capture_sha256"] and c["capture_sha256"] not in seen:
            raise ImportRefused(f"{where}.claims[{j}].capture_sha256: no such capture")
    images = {a["sha256"] for cap in caps for a in cap["assets"]}
    for j, c in enumerate(art["photo_credits"]):
        if c["image_sha256"] and c["image_sha256"] not in images:
            raise ImportRefused(f"{where}.photo_credits[{j}].image_sha256: no such image in "
                                "the article's captures")
    _check_offsets(where, art, raw["text"])
    return art


def _check_offsets(where: str, art: dict[str, Any], raw_text: str) -> None:
    """Offsets into the article text: moved with the text when :func:`clean_field`
    removed characters before them, then ``0 <= start <= end <= len(text)``
    (``-1, -1``: a quote or mention not in the body). A claim or quote whose text
    changed since it was marked keeps offsets into the text it was marked in (its
    capture's, for a claim): those are checked against that text's length."""
    text = art["text"]
    moved = _removed_before(raw_text, text)
    cap_len = {c["sha256"]: len(c["text"]) for c in art["captures"]}
    longest = max([len(text), *cap_len.values()])

    def span(w: str, start: int, end: int, *, absent_ok: bool, limit: int) -> tuple[int, int]:
        if absent_ok and (start, end) == (-1, -1):
            return start, end
        if start < 0 or end < 0:
            raise ImportRefused(f"{w}: negative offset ({start}, {end})")
        if start > end:
            raise ImportRefused(f"{w}: reversed offsets (start {start} > end {end})")
        start, end = moved(start), moved(end)
        if end > limit:
            raise ImportRefused(f"{w}: offset {end} is past the end of the text "
                                f"({limit} characters)")
        return start, end

    for j, q in enumerate(art["quotes"]):
        limit = longest if q["anchor_state"] == "changed" else len(text)
        q["start"], q["end"] = span(f"{where}.quotes[{j}]", q["start"], q["end"],
                                    absent_ok=True, limit=limit)
    for j, c in enumerate(art["claims"]):
        limit = len(text)
        if c["anchor_state"] == "changed":
            limit = cap_len.get(c["capture_sha256"] or "", longest)
        c["start"], c["end"] = span(f"{where}.claims[{j}]", c["start"], c["end"],
                                    absent_ok=False, limit=limit)
    for j, src in enumerate(art["sources"]):
        for k, pair in enumerate(src["mentions"]):
            if not all(isinstance(x, int) for x in pair):
                raise ImportRefused(f"{where}.sources[{j}].mentions[{k}]: expected two "
                                    "offsets")
            src["mentions"][k] = list(span(f"{where}.sources[{j}].mentions[{k}]", *pair,
                                           absent_ok=True, limit=len(text)))


def validate_document(doc: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    """A cleaned copy of ``doc`` or :class:`ImportRefused` naming the first problem."""
    if doc.get("format") != FORMAT:
        raise ImportRefused(f"not a Cuttings export (format is {str(doc.get('format'))[:60]!r}, "
                            f"expected {FORMAT!r})")
    version = doc.get("version")
    if version != VERSION:
        raise ImportRefused(f"unsupported export version {str(version)[:20]}; this Cuttings "
                            f"reads version {VERSION}" + (" (the file is from a newer Cuttings)"
                                                          if isinstance(version, int)
                                                          and version > VERSION else ""))
    includes = doc.get("includes", [])
    if not isinstance(includes, list) or not all(isinstance(k, str) for k in includes):
        raise ImportRefused("includes: expected a list of kinds")
    arts = doc.get("articles")
    if not isinstance(arts, list):
        raise ImportRefused("articles: missing or not a list")
    out_arts = []
    ids: set[int] = set()
    urls: set[str] = set()
    for i, raw in enumerate(arts):
        art = validate_article(f"articles[{i}]", raw, set(includes))
        arts[i] = None  # the raw copy is no longer needed (its strings live on in art)
        if art["id"] in ids:
            raise ImportRefused(f"articles[{i}].id: the id {art['id']} is used twice")
        if art["url_key"] in urls:
            raise ImportRefused(f"articles[{i}].url_key: the article "
                                f"{art['url_key'][:100]} appears twice")
        ids.add(art["id"])
        urls.add(art["url_key"])
        out_arts.append(art)
        if progress is not None:
            progress(i + 1, len(arts))
    tags = [_obj(f"tags[{i}]", {"name": "n", "color": "s?"}, t)
            for i, t in enumerate(_check("tags", "l", doc.get("tags", [])))]
    colls = [_obj(f"collections[{i}]", {"name": "n", "description": "s?", "created_at": "t?"}, c)
             for i, c in enumerate(_check("collections", "l", doc.get("collections", [])))]
    return {"format": FORMAT, "version": VERSION, "includes": includes, "articles": out_arts,
            "tags": tags, "collections": colls}


def referenced_blobs(doc: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(snapshot hashes, image hashes) a validated document refers to."""
    snaps: set[str] = set()
    images: set[str] = set()
    for art in doc["articles"]:
        for cap in art["captures"]:
            snaps.add(cap["sha256"])
            images.update(a["sha256"] for a in cap["assets"])
    return snaps, images
