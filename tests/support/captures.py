"""A ``FetchResult`` as the fetcher returns it, for tests that store captures without a
server (storage, exports, reliability)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from capture.types import FetchResult

DEFAULT_HEADERS: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)


def fetched(url: str, body: bytes | None = None, *, final: str | None = None,
            when: datetime | None = None,
            headers: Sequence[tuple[str, str]] = DEFAULT_HEADERS) -> FetchResult:
    """``url`` fetched now (or ``when``) with ``body`` (default: a page naming the URL);
    ``final`` makes it a 301 redirect to that address."""
    body = body if body is not None else f"<html><p>{url}</p></html>".encode()
    return FetchResult(
        requested_url=url, final_url=final or url, status=200, headers=list(headers),
        body=body, sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=when or datetime.now(UTC), content_type="text/html", encoding="utf-8",
        html=body.decode("utf-8", "replace"), redirects=[(url, 301)] if final else [])
