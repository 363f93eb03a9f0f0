"""Undoable organising operations: what to do, how to undo it, how to redo it.

Each factory returns an :class:`Op`: three plain functions over a
:class:`storage.organize.Organizer`, run in a worker by
:class:`desktop.organize_controller.OrganizeController`:

* ``first(org) -> state``          the user's action;
* ``backward(org, state) -> state`` its inverse (undo);
* ``forward(org, state) -> state``  doing it again (redo).

The inverse calls are the ones of the table in :mod:`storage.organize`'s docstring.
Tags and collections are named, claims are referred to by id (``restore_claim`` keeps
the id when it is free, and the state carries the claim it made). No Qt here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.organize import Organizer

log = logging.getLogger(__name__)

State = Any


@dataclass(frozen=True)
class Op:
    """One undoable operation. ``text`` names it in Edit › Undo/Redo; ``message``
    turns the state after ``first`` into a status-bar sentence."""

    text: str
    first: Callable[[Organizer], State]
    backward: Callable[[Organizer, State], State]
    forward: Callable[[Organizer, State], State]
    message: Callable[[State], str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _items(kinds: dict[str, Sequence[int]]) -> dict[str, tuple[int, ...]]:
    """``{"article": [1]}`` -> ``{"articles": (1,)}`` (Organizer keyword arguments)."""
    return {f"{k}s": tuple(v) for k, v in kinds.items() if v}


def _describe(kinds: dict[str, Sequence[int]]) -> str:
    labels = {"article": "article", "quote": "quote", "claim": "claim", "credit": "photo credit"}
    parts = [_plural(len(v), labels.get(k, k)) for k, v in kinds.items() if v]
    return ", ".join(parts) or "nothing"


# ---- tags ---------------------------------------------------------------------------------
def tag_items(name: str, kinds: dict[str, Sequence[int]]) -> Op:
    """Put tag ``name`` on items, e.g. ``{"article": ids}`` (one transaction)."""
    items = _items(kinds)
    return Op(
        f"Tag {_describe(kinds)} “{name}”",
        lambda org: org.tag(name, **items),
        lambda org, ch: (org.untag(ch.tag, **ch.kwargs(), delete_if_unused=ch.created), ch)[1],
        lambda org, ch: org.tag(ch.tag, **ch.kwargs()),
        lambda ch: f"Tagged {_describe(kinds)} “{ch.tag}”.")


def untag_items(name: str, kinds: dict[str, Sequence[int]]) -> Op:
    items = _items(kinds)
    return Op(
        f"Remove tag “{name}”",
        lambda org: org.untag(name, **items),
        lambda org, ch: (org.tag(ch.tag, **ch.kwargs()), ch)[1],
        lambda org, ch: org.untag(ch.tag, **ch.kwargs()),
        lambda ch: f"Removed the tag “{ch.tag}” from {_describe(kinds)}.")


def set_item_tags(kind: str, item_id: int, before: Sequence[str], after: Sequence[str]) -> Op:
    """Make one item's tags ``after`` (it had ``before``): adds and removes in order."""
    add = [t for t in after if t.casefold() not in {b.casefold() for b in before}]
    remove = [t for t in before if t.casefold() not in {a.casefold() for a in after}]
    key = f"{kind}s"

    def first(org: Organizer) -> list[tuple[str, Any]]:
        done: list[tuple[str, Any]] = []
        for name in add:
            done.append(("tag", org.tag(name, **{key: [item_id]})))
        for name in remove:
            done.append(("untag", org.untag(name, **{key: [item_id]})))
        return done

    def backward(org: Organizer, done: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        for what, ch in reversed(done):
            if what == "tag":
                org.untag(ch.tag, **ch.kwargs(), delete_if_unused=ch.created)
            else:
                org.tag(ch.tag, **ch.kwargs())
        return done

    def forward(org: Organizer, done: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        again: list[tuple[str, Any]] = []
        for what, ch in done:
            call = org.tag if what == "tag" else org.untag
            again.append((what, call(ch.tag, **ch.kwargs())))
        return again

    label = {"credit": "photo credit"}.get(kind, kind)
    return Op(f"Change the tags of a {label}", first, backward, forward,
              lambda _s: f"Tags of the {label}: {', '.join(after) or 'none'}.")


def rename_tag(old: str, new: str) -> Op:
    return Op(f"Rename tag “{old}”",
              lambda org: org.rename_tag(old, new),
              lambda org, info: (org.rename_tag(info.name, old), info)[1],
              lambda org, _info: org.rename_tag(old, new),
              lambda info: f"Renamed the tag “{old}” to “{info.name}”.")


def merge_tags(source: str, into: str) -> Op:
    return Op(f"Merge tag “{source}” into “{into}”",
              lambda org: org.merge_tags(source, into),
              lambda org, m: (org.unmerge_tags(m), m)[1],
              lambda org, _m: org.merge_tags(source, into),
              lambda m: f"Merged “{m.source.name}” into “{m.into}”.")


def set_tag_color(name: str, color: str | None) -> Op:
    return Op(f"Colour tag “{name}”",
              lambda org: org.set_tag_color(name, color),
              lambda org, old: (org.set_tag_color(name, old), old)[1],
              lambda org, _old: org.set_tag_color(name, color),
              lambda _old: f"Tag “{name}” coloured {color or 'none'}.")


def delete_tag(name: str) -> Op:
    return Op(f"Delete tag “{name}”",
              lambda org: org.delete_tag(name),
              lambda org, snap: (org.restore_tag(snap), snap)[1],
              lambda org, snap: org.delete_tag(snap.name),
              lambda snap: f"Deleted the tag “{snap.name}” "
                           f"(it was on {_plural(snap.count, 'item')}); Ctrl+Z brings it back.")


# ---- claims -------------------------------------------------------------------------------
def add_claim(article_id: int, start: int, end: int, verdict: str, note: str,
              tags: Sequence[str], evidence: Sequence[str]) -> Op:
    def message(info: Any) -> str:
        words = " ".join(info.text.split())
        short = words if len(words) <= 60 else words[:57] + "…"
        return f"Claim marked ({info.verdict}): “{short}”."

    return Op("Mark claim",
              lambda org: org.add_claim(article_id, start=start, end=end, verdict=verdict,
                                        note=note, tags=tags, evidence=evidence),
              lambda org, info: org.delete_claim(info.id),
              lambda org, snap: org.restore_claim(snap),
              message)


def update_claim(before: Any, verdict: str, note: str, evidence: Sequence[str]) -> Op:
    """Edit a claim read as ``before`` (a ClaimInfo); a concurrent change is a conflict."""
    values = {"verdict": verdict, "note": note, "evidence": list(evidence)}
    return Op("Edit claim",
              lambda org: org.update_claim(before.id, before.version, **values),
              lambda org, after: org.revert_claim(before, after.version),
              lambda org, current: org.update_claim(before.id, current.version, **values),
              lambda after: f"Claim updated ({after.verdict}).")


def delete_claim(claim_id: int) -> Op:
    return Op("Delete claim",
              lambda org: org.delete_claim(claim_id),
              lambda org, snap: org.restore_claim(snap),
              lambda org, info: org.delete_claim(info.id),
              lambda _snap: "Claim deleted; Ctrl+Z brings it back.")


# ---- collections --------------------------------------------------------------------------
def create_collection(name: str) -> Op:
    return Op(f"New collection “{name}”",
              lambda org: org.create_collection(name),
              lambda org, info: org.delete_collection(info.name),
              lambda org, snap: org.restore_collection(snap),
              lambda info: f"Collection “{info.name}” created.")


def rename_collection(old: str, new: str) -> Op:
    return Op(f"Rename collection “{old}”",
              lambda org: org.rename_collection(old, new),
              lambda org, info: (org.rename_collection(info.name, old), info)[1],
              lambda org, _info: org.rename_collection(old, new),
              lambda info: f"Renamed the collection “{old}” to “{info.name}”.")


def delete_collection(name: str) -> Op:
    return Op(f"Delete collection “{name}”",
              lambda org: org.delete_collection(name),
              lambda org, snap: org.restore_collection(snap),
              lambda org, info: org.delete_collection(info.name),
              lambda _snap: f"Collection “{name}” deleted; Ctrl+Z brings it back.")


def add_to_collection(name: str, articles: Sequence[int] = (), claims: Sequence[int] = ()
                      ) -> Op:
    """Add articles and claims to collection ``name``; a new name creates it (and the
    undo deletes it again)."""
    from storage.organize import NotFoundError

    def first(org: Organizer) -> tuple[Any, bool]:
        try:
            return org.add_to_collection(name, articles=articles, claims=claims), False
        except NotFoundError:
            org.create_collection(name)
            return org.add_to_collection(name, articles=articles, claims=claims), True

    def backward(org: Organizer, state: tuple[Any, bool]) -> tuple[Any, bool]:
        ch, created = state
        org.remove_from_collection(ch.name, articles=ch.articles, claims=ch.claims)
        if created:
            org.delete_collection(ch.name)
        return state

    def forward(org: Organizer, state: tuple[Any, bool]) -> tuple[Any, bool]:
        ch, created = state
        if created:
            org.create_collection(ch.name)
        return org.add_to_collection(ch.name, articles=ch.articles, claims=ch.claims), created

    what = _describe({"article": articles, "claim": claims})
    return Op(f"Add {what} to “{name}”", first, backward, forward,
              lambda s: f"Added {what} to the collection “{s[0].name}”.")


def remove_from_collection(name: str, articles: Sequence[int] = (),
                           claims: Sequence[int] = ()) -> Op:
    what = _describe({"article": articles, "claim": claims})
    return Op(f"Remove {what} from “{name}”",
              lambda org: org.remove_from_collection(name, articles=articles, claims=claims),
              lambda org, ch: (org.add_to_collection(ch.name, articles=ch.articles,
                                                     claims=ch.claims), ch)[1],
              lambda org, ch: org.remove_from_collection(ch.name, articles=ch.articles,
                                                         claims=ch.claims),
              lambda ch: f"Removed {what} from the collection “{ch.name}”.")
