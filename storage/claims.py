"""Claims: spans of an article's text a journalist marked for checking, with a
verdict, a note, evidence links and tags.

A claim keeps its exact text, its character offsets into ``Article.text`` and the id
of the capture those offsets belong to. Edits use an optimistic ``version`` check:
``update_claim(id, expected_version, ...)`` raises :class:`ConflictError` when the
claim changed since it was read (another window, another process, later another
newsroom user on PostgreSQL); the version goes up by one on every change.

Thread rules: a :class:`ClaimOps` may be shared by threads; each method opens its own
short session and returns frozen dataclasses or plain dicts, never ORM objects.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.anchoring import find_span
from storage.models import (
    VERDICTS,
    Article,
    Capture,
    Claim,
    Collection,
    Tag,
    claim_tags,
    collection_claims,
    utcnow,
)
from storage.organize_common import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    chunks,
    clean_name,
    require_collection,
)
from storage.tags import find_tag, get_or_create_tag, link

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

MAX_EVIDENCE = 100
_ARTICLE_REF = re.compile(r"^article:(\d+)$")


@dataclass(frozen=True)
class ClaimInfo:
    """A claim as stored, with its tags and collections (names)."""

    id: int
    article_id: int
    capture_id: int | None
    text: str
    start: int
    end: int
    note: str
    verdict: str
    evidence: tuple[str, ...]
    anchor_state: str
    version: int
    created_at: datetime
    updated_at: datetime
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    article_title: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "article_id": self.article_id, "article_title": self.article_title,
                "capture_id": self.capture_id, "text": self.text, "start": self.start,
                "end": self.end, "note": self.note, "verdict": self.verdict,
                "evidence": list(self.evidence), "anchor_state": self.anchor_state,
                "version": self.version, "tags": list(self.tags),
                "collections": list(self.collections),
                "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}


def check_verdict(verdict: str) -> str:
    v = (verdict or "").strip().lower()
    if v not in VERDICTS:
        raise InvalidValueError(f"unknown verdict {verdict!r} (use one of: {', '.join(VERDICTS)})")
    return v


def check_evidence(evidence: Iterable[str | int]) -> list[str]:
    """Evidence links: ``http(s)://`` URLs, or archived articles as ``article:ID`` (or
    a plain int id)."""
    out: list[str] = []
    for item in evidence:
        if isinstance(item, int) and not isinstance(item, bool):
            item = f"article:{item}"
        if not isinstance(item, str):
            raise InvalidValueError(f"not an evidence link: {item!r}")
        value = item.strip()
        if not (_ARTICLE_REF.match(value)
                or (re.match(r"^https?://\S+$", value, re.I) and len(value) <= 8192)):
            raise InvalidValueError(
                f"not an evidence link: {value[:200]!r} (use an http(s) URL or article:ID)")
        if value not in out:
            out.append(value)
    if len(out) > MAX_EVIDENCE:
        raise InvalidValueError(f"more than {MAX_EVIDENCE} evidence links")
    return out


def _check_note(note: str) -> str:
    if not isinstance(note, str):
        raise InvalidValueError("a note must be text")
    return note.replace("\x00", "")


def _require_article(s: Session, article_id: int) -> Article:
    art = s.get(Article, article_id)
    if art is None:
        raise NotFoundError(f"no article with id {article_id}")
    return art


def _require_claim(s: Session, claim_id: int) -> Claim:
    claim = s.get(Claim, claim_id)
    if claim is None:
        raise NotFoundError(f"no claim with id {claim_id}")
    return claim


def _check_span(text: str, start: int, end: int) -> None:
    if isinstance(start, bool) or isinstance(end, bool) \
            or not isinstance(start, int) or not isinstance(end, int):
        raise InvalidValueError("start and end must be whole numbers")
    if not 0 <= start < end <= len(text):
        raise InvalidValueError(
            f"span {start}..{end} is not inside the article text (0..{len(text)})")
    if not text[start:end].strip():
        raise InvalidValueError(f"span {start}..{end} holds only whitespace")


def _infos(s: Session, claims: Sequence[Claim]) -> list[ClaimInfo]:
    ids = [c.id for c in claims]
    tags: dict[int, list[str]] = {}
    cols: dict[int, list[str]] = {}
    titles: dict[int, str | None] = {}
    art_ids = sorted({c.article_id for c in claims})
    for part in chunks(ids):
        for cid, name in s.execute(select(claim_tags.c[0], Tag.name)
                                   .join(Tag, Tag.id == claim_tags.c[1])
                                   .where(claim_tags.c[0].in_(list(part))).order_by(Tag.key)):
            tags.setdefault(cid, []).append(name)
        for cid, name in s.execute(select(collection_claims.c[1], Collection.name)
                                   .join(Collection, Collection.id == collection_claims.c[0])
                                   .where(collection_claims.c[1].in_(list(part)))
                                   .order_by(Collection.name)):
            cols.setdefault(cid, []).append(name)
    for part in chunks(art_ids):
        titles.update(s.execute(select(Article.id, Article.title)
                                .where(Article.id.in_(list(part)))).all())
    return [ClaimInfo(c.id, c.article_id, c.capture_id, c.text, c.start, c.end, c.note or "",
                      c.verdict, tuple(c.evidence or ()), c.anchor_state, c.version,
                      c.created_at, c.updated_at, tuple(tags.get(c.id, ())),
                      tuple(cols.get(c.id, ())), titles.get(c.article_id))
            for c in claims]


def snapshot_of(info: ClaimInfo) -> dict[str, Any]:
    """A claim as a JSON-safe dict (what ``delete_claim`` returns)."""
    return info.to_json()


class ClaimOps:
    """Claim operations over an :class:`~storage.archive.Archive` (see module docstring)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db

    def add_claim(self, article_id: int, text: str | None = None, *, start: int | None = None,
                  end: int | None = None, verdict: str = "unverified", note: str = "",
                  tags: Iterable[str] = (), evidence: Iterable[str | int] = ()) -> ClaimInfo:
        """Mark a claim, by its words (``text``: found exactly, else ignoring whitespace
        and quote/dash styles; the first occurrence) or by offsets ``start``/``end``.
        The stored text is the article's own text at the span. Tags are created as
        needed; all in one transaction. Undo: ``delete_claim(info.id)``."""
        v = check_verdict(verdict)
        ev = check_evidence(evidence)
        note = _check_note(note)
        tag_names = [clean_name(t) for t in tags]
        if (text is None) == (start is None and end is None):
            raise InvalidValueError("give either the claim's text or its start and end")
        with self.db.writer() as s:
            art = _require_article(s, article_id)
            body = art.text or ""
            if text is not None:
                if not text.strip():
                    raise InvalidValueError("the claim's text is empty")
                m = find_span(body, text.strip())
                if m is None:
                    short = " ".join(text.split())
                    short = short if len(short) <= 80 else short[:77] + "..."
                    raise NotFoundError(f"text not found in article {article_id}: {short!r}")
                start, end = m.start, m.end
            if start is None or end is None:
                raise InvalidValueError("give both start and end")
            _check_span(body, start, end)
            claim = Claim(article_id=art.id, capture_id=art.latest_capture_id,
                          text=body[start:end], start=start, end=end, note=note, verdict=v,
                          evidence=ev, anchor_state="ok", version=1)
            s.add(claim)
            s.flush()
            for name in tag_names:
                tag, _ = get_or_create_tag(s, name)
                link(s, "claim", tag.id, [claim.id])
            info = _infos(s, [claim])[0]
        log.info("claim %s marked on article %s", info.id, article_id)
        return info

    def get_claim(self, claim_id: int) -> ClaimInfo:
        with self.db.reader() as s:
            return _infos(s, [_require_claim(s, claim_id)])[0]

    def claims(self, *, article_id: int | None = None, verdict: str | None = None,
               tag: str | None = None, collection: str | None = None,
               anchor_state: str | None = None) -> list[ClaimInfo]:
        """Claims filtered by article, verdict, tag, collection and anchor state (all
        optional, combined with AND), ordered by article then position. Unknown
        article/tag/collection raise :class:`NotFoundError`."""
        q = select(Claim).order_by(Claim.article_id, Claim.start, Claim.id)
        if verdict is not None:
            q = q.where(Claim.verdict == check_verdict(verdict))
        if anchor_state is not None:
            q = q.where(Claim.anchor_state == anchor_state)
        with self.db.reader() as s:
            if article_id is not None:
                _require_article(s, article_id)
                q = q.where(Claim.article_id == article_id)
            if tag is not None:
                t = find_tag(s, tag)
                if t is None:
                    raise NotFoundError(f"no tag named {clean_name(tag)!r}")
                q = q.where(Claim.id.in_(select(claim_tags.c[0])
                                         .where(claim_tags.c[1] == t.id)))
            if collection is not None:
                col = require_collection(s, collection)
                q = q.where(Claim.id.in_(select(collection_claims.c[1])
                                         .where(collection_claims.c[0] == col.id)))
            return _infos(s, list(s.scalars(q)))

    def update_claim(self, claim_id: int, expected_version: int, *,
                     verdict: str | None = None, note: str | None = None,
                     evidence: Iterable[str | int] | None = None,
                     span: tuple[int, int] | None = None) -> ClaimInfo:
        """Change a claim's verdict, note, evidence and/or span (None: unchanged).

        Raises :class:`ConflictError` if the claim's version is not
        ``expected_version`` (it changed since read). A new span takes the article's
        current text there and becomes ``ok``. Returns the claim after the change
        (version + 1). Undo: ``revert_claim(before, after.version)`` with the
        ``before`` the caller read (the version check guarantees it was current)."""
        values: dict[str, Any] = {}
        if verdict is not None:
            values["verdict"] = check_verdict(verdict)
        if note is not None:
            values["note"] = _check_note(note)
        if evidence is not None:
            values["evidence"] = check_evidence(evidence)
        with self.db.writer() as s:
            claim = _require_claim(s, claim_id)
            if span is not None:
                art = _require_article(s, claim.article_id)
                st, en = span
                _check_span(art.text or "", st, en)
                values.update(start=st, end=en, text=(art.text or "")[st:en], anchor_state="ok",
                              capture_id=art.latest_capture_id)
            _versioned_update(s, claim, expected_version, values)
            return _infos(s, [claim])[0]

    def revert_claim(self, before: ClaimInfo, expected_version: int) -> ClaimInfo:
        """Put back every editable field of ``before`` (text, span, capture, anchor
        state, verdict, note, evidence); the version still goes up by one."""
        values = {"text": before.text, "start": before.start, "end": before.end,
                  "capture_id": before.capture_id, "anchor_state": before.anchor_state,
                  "verdict": before.verdict, "note": before.note,
                  "evidence": list(before.evidence)}
        with self.db.writer() as s:
            claim = _require_claim(s, before.id)
            _versioned_update(s, claim, expected_version, values)
            return _infos(s, [claim])[0]

    def delete_claim(self, claim_id: int, expected_version: int | None = None
                     ) -> dict[str, Any]:
        """Delete a claim; returns its snapshot (a JSON-safe dict with tags and
        collections). Undo: ``restore_claim(snapshot)``."""
        with self.db.writer() as s:
            claim = _require_claim(s, claim_id)
            if expected_version is not None and claim.version != expected_version:
                raise ConflictError(f"claim {claim_id} changed since it was read "
                                    f"(version {claim.version})", claim.version)
            snap = snapshot_of(_infos(s, [claim])[0])
            s.execute(delete(claim_tags).where(claim_tags.c[0] == claim_id))
            s.execute(delete(collection_claims).where(collection_claims.c[1] == claim_id))
            s.execute(delete(Claim).where(Claim.id == claim_id))
        log.info("claim %s deleted", claim_id)
        return snap

    def restore_claim(self, snapshot: dict[str, Any]) -> ClaimInfo:
        """Recreate a deleted claim from its snapshot: same id when free (else a new
        one: read ``.id`` of the result), same fields, tags (recreated if needed) and
        collections (those that still exist)."""
        with self.db.writer() as s:
            _require_article(s, int(snapshot["article_id"]))
            claim = Claim(article_id=int(snapshot["article_id"]),
                          capture_id=snapshot.get("capture_id"), text=snapshot["text"],
                          start=int(snapshot["start"]), end=int(snapshot["end"]),
                          note=snapshot.get("note") or "",
                          verdict=check_verdict(snapshot.get("verdict") or "unverified"),
                          evidence=list(snapshot.get("evidence") or []),
                          anchor_state=snapshot.get("anchor_state") or "ok",
                          version=int(snapshot.get("version") or 1),
                          created_at=_when(snapshot.get("created_at")),
                          updated_at=_when(snapshot.get("updated_at")))
            if s.get(Claim, int(snapshot["id"])) is None:
                claim.id = int(snapshot["id"])
            if claim.capture_id is not None and s.get(Capture, claim.capture_id) is None:
                claim.capture_id = None
            s.add(claim)
            s.flush()
            for name in snapshot.get("tags") or ():
                tag, _ = get_or_create_tag(s, name)
                link(s, "claim", tag.id, [claim.id])
            names = list(snapshot.get("collections") or ())
            if names:
                for cid in s.scalars(select(Collection.id).where(Collection.name.in_(names))):
                    s.execute(collection_claims.insert().values(
                        {collection_claims.c[0].key: cid, collection_claims.c[1].key: claim.id}))
            return _infos(s, [claim])[0]


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return utcnow()


def _versioned_update(s: Session, claim: Claim, expected_version: int,
                      values: dict[str, Any]) -> None:
    """``UPDATE ... SET version = version + 1 WHERE id = ? AND version = ?``: the
    compare-and-set that also holds on PostgreSQL under concurrent writers."""
    values = dict(values, version=Claim.version + 1, updated_at=utcnow())
    res = s.execute(update(Claim).where(Claim.id == claim.id, Claim.version == expected_version)
                    .values(**values).execution_options(synchronize_session=False))
    if (res.rowcount or 0) != 1:
        s.refresh(claim)
        raise ConflictError(f"claim {claim.id} changed since it was read (version "
                            f"{claim.version}, expected {expected_version})", claim.version)
    s.refresh(claim)
