"""The Cuttings export JSON schema, version 1 (``"format": "cuttings-export"``).

A document is one JSON object::

    {
      "format": "cuttings-export",      # always this string
      "version": 1,                     # bumped on any incompatible change
      "exported_at": "2026-11-28T01:02:03+00:00",
      "generator": "cuttings",
      "selection": {"collection": "Harbour"} | {"tag": ...} | {"query": ...} | {"all": true},
      "includes": ["quotes", "sources", "claims", "credits", "snapshots", "images"],
      "articles": [ARTICLE, ...],       # ordered by url_key
      "tags": [{"name": str, "color": str|null}, ...],
      "collections": [{"name": str, "description": str, "created_at": ISO|null}, ...]
    }

ARTICLE (``id`` is local to the file: 1, 2, 3 ... in order; database ids are not
exported, so an export of an import of an export is identical)::

    {"id": int, "canonical_url": str, "url_key": str, "url": str, "site": str,
     "title": str|null,
     "authors": [str], "publisher": str|null, "published": str|null,
     "language": str|null, "description": str|null, "text": str,
     "reader_html": str,  # sanitised; images as src="asset:<sha256>"
     "word_count": int, "status": str, "created_at": ISO,
     "tags": [str], "collections": [str],
     "captures": [CAPTURE],            # oldest first
     "quotes": [QUOTE], "sources": [SOURCE], "photo_credits": [CREDIT],
     "claims": [CLAIM]}                # each list only when its kind is included

``canonical_url`` is the page's own canonical link (``<link rel=canonical>``, else
``og:url``) as its latest capture declared it, else the article's ``url``;
``url_key`` is the key Cuttings dedupes on (scheme forced, ``www.`` stripped,
tracking parameters dropped) and merges imports by. Files written before ``url_key``
existed gave the key as ``canonical_url``; import reads them so.

CAPTURE: ``{"sha256", "size", "source", "requested_url", "requested_key",
"final_url", "canonical_url", "redirects": [[url, status]], "fetched_at", "http_status",
"headers": [[name, value]], "content_type", "encoding", "local_network_allowed",
"title", "text", "extractor_version", "latest": bool, "assets": [ASSET]}``
(the raw bytes are the blob ``sha256``: in a ZIP bundle ``snapshots/<sha256>.html``;
``canonical_url`` is the link this capture's page declared, or null).

ASSET: ``{"sha256", "url", "media_type", "size", "role", "alt", "caption"}``
(bytes in a ZIP bundle: ``images/<sha256>``).

QUOTE: ``{"text", "speaker", "role", "cue", "start", "end", "origin",
"anchor_state", "tags": [str]}``; SOURCE: ``{"name", "kind", "url", "context",
"mentions": [[start, end]]}``; CREDIT: ``{"credit", "photographer", "provider",
"caption", "image_url", "image_sha256", "tags": [str]}``; CLAIM: ``{"text",
"start", "end", "note", "verdict", "evidence": [str], "anchor_state", "version",
"capture_sha256", "created_at", "updated_at", "tags": [str], "collections": [str]}``.

Offsets are character offsets into the article's ``text``. Times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.export.select import Include
from storage.models import Article
from storage.page_links import page_canonical

FORMAT = "cuttings-export"
VERSION = 1
JSON_MEMBER = "cuttings-export.json"
MANIFEST_MEMBER = "manifest-sha256.txt"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _s(value: str | None) -> str:
    return value or ""


def article_record(art: Article, export_id: int, include: Include,
                   art_colls: dict[int, list[str]], claim_colls: dict[int, list[str]]
                   ) -> dict[str, Any]:
    """One ARTICLE of the schema from a loaded ORM article. Every list is sorted by
    its content, so the order never depends on database ids."""
    caps = sorted(art.captures, key=lambda c: (iso(c.fetched_at) or "", c.sha256))
    sha_of_capture = {c.id: c.sha256 for c in caps}
    rec: dict[str, Any] = {
        "id": export_id,
        "canonical_url": page_canonical(art.url, art.latest_capture_id, caps),
        "url_key": art.canonical_url,
        "url": art.url,
        "site": art.site,
        "title": art.title,
        "authors": list(art.authors or []),
        "publisher": art.publisher,
        "published": art.published,
        "language": art.language,
        "description": art.description,
        "text": art.text,
        "reader_html": art.reader_html,
        "word_count": art.word_count,
        "status": art.status,
        "created_at": iso(art.created_at),
        "tags": sorted(t.name for t in art.tags),
        "collections": sorted(art_colls.get(art.id, [])),
        "captures": [{
            "sha256": c.sha256, "size": c.size, "source": c.source,
            "requested_url": c.requested_url, "requested_key": c.requested_key,
            "final_url": c.final_url, "canonical_url": c.canonical_link,
            "redirects": [list(r) for r in (c.redirects or [])],
            "fetched_at": iso(c.fetched_at), "http_status": c.http_status,
            "headers": [list(h) for h in (c.headers or [])],
            "content_type": c.content_type, "encoding": c.encoding,
            "local_network_allowed": bool(c.local_network_allowed),
            "title": c.title, "text": c.text, "extractor_version": c.extractor_version,
            "latest": c.id == art.latest_capture_id,
            "assets": sorted(({"sha256": x.sha256, "url": x.url, "media_type": x.media_type,
                               "size": x.size, "role": x.role, "alt": x.alt,
                               "caption": x.caption} for x in c.assets),
                             key=lambda x: (x["url"], x["sha256"], x["role"])),
        } for c in caps],
    }
    if include.quotes:
        rec["quotes"] = sorted(({
            "text": q.text, "speaker": q.speaker, "role": q.role, "cue": q.cue,
            "start": q.start, "end": q.end, "origin": q.origin, "anchor_state": q.anchor_state,
            "tags": sorted(t.name for t in q.tags)} for q in art.quotes),
            key=lambda q: (q["start"], q["end"], q["text"], _s(q["speaker"]), q["origin"]))
    if include.sources:
        rec["sources"] = sorted(({
            "name": c.name, "kind": c.kind, "url": c.url, "context": c.context,
            "mentions": [list(m) for m in (c.mentions or [])]} for c in art.citations),
            key=lambda c: (c["name"], c["kind"], _s(c["url"]), c["context"]))
    if include.credits:
        rec["photo_credits"] = sorted(({
            "credit": c.credit, "photographer": c.photographer, "provider": c.provider,
            "caption": c.caption, "image_url": c.image_url,
            "image_sha256": c.asset.sha256 if c.asset is not None else None,
            "tags": sorted(t.name for t in c.tags)} for c in art.credits),
            key=lambda c: (c["credit"], _s(c["image_url"]), _s(c["photographer"]),
                           _s(c["caption"])))
    if include.claims:
        rec["claims"] = sorted(({
            "text": c.text, "start": c.start, "end": c.end, "note": c.note,
            "verdict": c.verdict, "evidence": list(c.evidence or []),
            "anchor_state": c.anchor_state, "version": c.version,
            "capture_sha256": sha_of_capture.get(c.capture_id) if c.capture_id else None,
            "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
            "tags": sorted(t.name for t in c.tags),
            "collections": sorted(claim_colls.get(c.id, []))} for c in art.claims),
            key=lambda c: (c["start"], c["end"], c["text"], c["created_at"] or "", c["note"]))
    return rec


def latest_capture(rec: dict[str, Any]) -> dict[str, Any] | None:
    caps = rec.get("captures") or []
    for c in caps:
        if c.get("latest"):
            return c
    return caps[-1] if caps else None
