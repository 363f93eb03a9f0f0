"""``cuttings tag|claim|collection ...``: claims, tags and collections from the command line.

Registered by :mod:`desktop.cli` (``register(subparsers, common)``). No Qt. Every
command is one transaction on the archive; unknown ids, tags, collections and
verdicts give one ``cuttings: ...`` line on stderr and exit status 1. The ``--json``
output shapes are contracts (the ``to_json()`` of the storage result types).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

from desktop import cli_args
from desktop.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _err, _open_archive, _print_json
from desktop.terminal import out
from storage.models import VERDICTS
from storage.organize import OrganizeError, Organizer

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Organizer], int]


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _open_archive(args) as archive:
            try:
                return handler(args, Organizer(archive))
            except OrganizeError as exc:
                _err(str(exc))
                return EXIT_FAILED
    return run


def _items(args: argparse.Namespace) -> dict[str, list[int]]:
    return {"articles": args.article or [], "quotes": args.quote or [],
            "claims": args.claim or [], "credits": args.credit or []}


def _count_line(items: dict[str, tuple[int, ...]]) -> str:
    labels = {"article": "article", "quote": "quote", "claim": "claim", "credit": "photo credit"}
    parts = [f"{len(v)} {labels[k]}{'s' if len(v) != 1 else ''}" for k, v in items.items() if v]
    return ", ".join(parts) if parts else "nothing"


# ------------------------------------------------------------------ tag


def _tag_add(args: argparse.Namespace, org: Organizer) -> int:
    items = _items(args)
    if not any(items.values()):
        _err("name what to tag: --article ID, --quote ID, --claim ID or --credit ID")
        return EXIT_USAGE
    ch = org.tag(args.tag, **items)
    new = " (new tag)" if ch.created else ""
    out(f"tagged {_count_line(ch.items)} with {ch.tag!r}{new}")
    return EXIT_OK


def _tag_remove(args: argparse.Namespace, org: Organizer) -> int:
    items = _items(args)
    if not any(items.values()):
        _err("name what to untag: --article ID, --quote ID, --claim ID or --credit ID")
        return EXIT_USAGE
    ch = org.untag(args.tag, **items)
    out(f"removed {ch.tag!r} from {_count_line(ch.items)}")
    return EXIT_OK


def _tag_list(args: argparse.Namespace, org: Organizer) -> int:
    tags = org.tags()
    if args.json:
        _print_json([t.to_json() for t in tags])
        return EXIT_OK
    if not tags:
        out("no tags yet; add one with: cuttings tag add TAG --article ID")
        return EXIT_OK
    width = max(len(t.name) for t in tags)
    for t in tags:
        out(f"{t.name:<{width}}  {t.articles:>6} articles  {t.quotes:>5} quotes  "
              f"{t.claims:>5} claims  {t.credits:>5} credits")
    return EXIT_OK


def _tag_rename(args: argparse.Namespace, org: Organizer) -> int:
    old = org.tag_info(args.old).name
    info = org.rename_tag(args.old, args.new)
    out(f"renamed tag {old!r} to {info.name!r} ({info.total} items)")
    return EXIT_OK


def _tag_merge(args: argparse.Namespace, org: Organizer) -> int:
    m = org.merge_tags(args.source, args.into)
    moved = sum(len(v) for v in m.moved.values())
    out(f"merged {m.source.name!r} into {m.into!r}: {m.source.count} links, "
          f"{moved} new to {m.into!r}")
    return EXIT_OK


def _tag_color(args: argparse.Namespace, org: Organizer) -> int:
    org.set_tag_color(args.tag, None if args.color.lower() == "none" else args.color)
    info = org.tag_info(args.tag)
    out(f"tag {info.name!r} colour: {info.color or 'none'}")
    return EXIT_OK


def _tag_delete(args: argparse.Namespace, org: Organizer) -> int:
    info = org.tag_info(args.tag)
    if not args.yes and info.total:
        _err(f"tag {info.name!r} is on {info.total} items; add --yes to delete it")
        return EXIT_FAILED
    snap = org.delete_tag(args.tag)
    out(f"deleted tag {snap.name!r} (was on {snap.count} items)")
    return EXIT_OK


# ------------------------------------------------------------------ claim


def _claim_line(c: Any) -> str:
    text = " ".join(c.text.split())
    text = text if len(text) <= 90 else text[:87] + "..."
    tags = f"  [{', '.join(c.tags)}]" if c.tags else ""
    state = f"  ({c.anchor_state})" if c.anchor_state != "ok" else ""
    return f"{c.id:>6}  article {c.article_id:<6} {c.verdict:<10} “{text}”{tags}{state}"


def _claim_add(args: argparse.Namespace, org: Organizer) -> int:
    if args.text is None and (args.start is None or args.end is None):
        _err("give the claim's --text, or --start and --end")
        return EXIT_USAGE
    if args.text is not None and (args.start is not None or args.end is not None):
        _err("give either --text or --start/--end, not both")
        return EXIT_USAGE
    c = org.add_claim(args.article, args.text, start=args.start, end=args.end,
                      verdict=args.verdict, note=args.note or "", tags=args.tag or [],
                      evidence=args.evidence or [])
    if args.json:
        _print_json(c.to_json())
    else:
        out(f"claim {c.id} on article {c.article_id} at {c.start}..{c.end} ({c.verdict}): "
              f"“{' '.join(c.text.split())}”")
    return EXIT_OK


def _claim_list(args: argparse.Namespace, org: Organizer) -> int:
    claims = org.claims(article_id=args.article, verdict=args.verdict, tag=args.tag,
                        collection=args.collection)
    if args.json:
        _print_json([c.to_json() for c in claims])
        return EXIT_OK
    if not claims:
        out("no claims")
    for c in claims:
        out(_claim_line(c))
    return EXIT_OK


def _claim_show(args: argparse.Namespace, org: Organizer) -> int:
    c = org.get_claim(args.id)
    if args.json:
        _print_json(c.to_json())
        return EXIT_OK
    out(_claim_line(c))
    if c.note:
        out(f"        note: {c.note}")
    for e in c.evidence:
        out(f"        evidence: {e}")
    if c.collections:
        out(f"        collections: {', '.join(c.collections)}")
    return EXIT_OK


def _claim_set(args: argparse.Namespace, org: Organizer) -> int:
    c = org.get_claim(args.id)
    after = org.update_claim(c.id, c.version, verdict=args.verdict, note=args.note,
                             evidence=args.evidence)
    out(_claim_line(after))
    return EXIT_OK


def _claim_delete(args: argparse.Namespace, org: Organizer) -> int:
    snap = org.delete_claim(args.id)
    out(f"deleted claim {snap['id']} of article {snap['article_id']}")
    return EXIT_OK


# ------------------------------------------------------------------ collection


def _col_create(args: argparse.Namespace, org: Organizer) -> int:
    info = org.create_collection(args.name, args.description or "")
    out(f"created collection {info.name!r}")
    return EXIT_OK


def _col_add(args: argparse.Namespace, org: Organizer) -> int:
    if not args.article and not args.claim:
        _err("name what to add: --article ID and/or --claim ID")
        return EXIT_USAGE
    ch = org.add_to_collection(args.name, articles=args.article or [], claims=args.claim or [])
    out(f"added {len(ch.articles)} article(s) and {len(ch.claims)} claim(s) to {ch.name!r}")
    return EXIT_OK


def _col_remove(args: argparse.Namespace, org: Organizer) -> int:
    if not args.article and not args.claim:
        _err("name what to remove: --article ID and/or --claim ID")
        return EXIT_USAGE
    ch = org.remove_from_collection(args.name, articles=args.article or [],
                                    claims=args.claim or [])
    out(f"removed {len(ch.articles)} article(s) and {len(ch.claims)} claim(s) "
          f"from {ch.name!r}")
    return EXIT_OK


def _col_list(args: argparse.Namespace, org: Organizer) -> int:
    cols = org.collections()
    if args.json:
        _print_json([c.to_json() for c in cols])
        return EXIT_OK
    if not cols:
        out("no collections yet; create one with: cuttings collection create NAME")
    for c in cols:
        out(f"{c.name}  ({c.articles} articles, {c.claims} claims)")
    return EXIT_OK


def _col_show(args: argparse.Namespace, org: Organizer) -> int:
    view = org.collection(args.name)
    if args.json:
        _print_json(view.to_json())
        return EXIT_OK
    out(f"{view.info.name}  ({view.info.articles} articles, {view.info.claims} claims)")
    if view.info.description:
        out(view.info.description)
    if view.articles:
        out()
        out("Articles")
        for a in view.articles:
            out(f"{a['id']:>6}  {a['title'] or a['url']}")
    if view.claims:
        out()
        out("Claims")
        for c in view.claims:
            out(_claim_line(c))
    return EXIT_OK


def _col_rename(args: argparse.Namespace, org: Organizer) -> int:
    info = org.rename_collection(args.old, args.new)
    out(f"renamed collection to {info.name!r}")
    return EXIT_OK


def _col_delete(args: argparse.Namespace, org: Organizer) -> int:
    snap = org.delete_collection(args.name)
    out(f"deleted collection {snap['name']!r} (its {len(snap['article_ids'])} articles and "
          f"{len(snap['claim_ids'])} claims stay in the archive)")
    return EXIT_OK


# ------------------------------------------------------------------ parsers


def _item_options(p: argparse.ArgumentParser, kinds: tuple[str, ...]) -> None:
    helps = {"article": "article id", "quote": "quote id", "claim": "claim id",
             "credit": "photo credit id"}
    for kind in kinds:
        p.add_argument(f"--{kind}", type=cli_args.archive_id, action="extend", nargs="+", metavar="ID",
                       help=f"{helps[kind]} (repeatable)")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``tag``, ``claim`` and ``collection`` commands."""
    # tag ------------------------------------------------------------------------------
    tag = subparsers.add_parser("tag", parents=[common],
                                help="tag articles, quotes, claims and photo credits")
    tsub = tag.add_subparsers(dest="tag_command", metavar="ACTION", required=True)
    p = tsub.add_parser("add", parents=[common], help="put a tag on items")
    p.add_argument("tag")
    _item_options(p, ("article", "quote", "claim", "credit"))
    p.set_defaults(func=_run(_tag_add))
    p = tsub.add_parser("remove", parents=[common], help="take a tag off items")
    p.add_argument("tag")
    _item_options(p, ("article", "quote", "claim", "credit"))
    p.set_defaults(func=_run(_tag_remove))
    p = tsub.add_parser("list", parents=[common], help="list tags with item counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_tag_list))
    p = tsub.add_parser("rename", parents=[common], help="rename a tag")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(func=_run(_tag_rename))
    p = tsub.add_parser("merge", parents=[common], help="merge tag FROM into tag INTO")
    p.add_argument("source", metavar="FROM")
    p.add_argument("into", metavar="INTO")
    p.set_defaults(func=_run(_tag_merge))
    p = tsub.add_parser("color", parents=[common], help="set a tag's colour (#rrggbb or none)")
    p.add_argument("tag")
    p.add_argument("color")
    p.set_defaults(func=_run(_tag_color))
    p = tsub.add_parser("delete", parents=[common], help="delete a tag")
    p.add_argument("tag")
    p.add_argument("--yes", action="store_true", help="delete even if items carry it")
    p.set_defaults(func=_run(_tag_delete))

    # claim ----------------------------------------------------------------------------
    claim = subparsers.add_parser("claim", parents=[common], help="mark and list claims")
    csub = claim.add_subparsers(dest="claim_command", metavar="ACTION", required=True)
    p = csub.add_parser("add", parents=[common], help="mark a claim in an article")
    p.add_argument("article", type=cli_args.archive_id, metavar="ARTICLE")
    p.add_argument("--text", help="the claim's words as they appear in the article")
    p.add_argument("--start", type=cli_args.offset, help="character offset where the claim starts")
    p.add_argument("--end", type=cli_args.offset, help="character offset where the claim ends")
    p.add_argument("--verdict", default="unverified", help=" | ".join(VERDICTS))
    p.add_argument("--note")
    p.add_argument("--tag", action="append", metavar="TAG", help="repeatable")
    p.add_argument("--evidence", action="append", metavar="URL",
                   help="a URL or article:ID (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_claim_add))
    p = csub.add_parser("list", parents=[common], help="list claims")
    p.add_argument("--article", type=cli_args.archive_id, metavar="ID")
    p.add_argument("--verdict", help=" | ".join(VERDICTS))
    p.add_argument("--tag")
    p.add_argument("--collection")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_claim_list))
    p = csub.add_parser("show", parents=[common], help="show one claim")
    p.add_argument("id", type=cli_args.archive_id)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_claim_show))
    p = csub.add_parser("set", parents=[common], help="change a claim's verdict, note, evidence")
    p.add_argument("id", type=cli_args.archive_id)
    p.add_argument("--verdict", help=" | ".join(VERDICTS))
    p.add_argument("--note")
    p.add_argument("--evidence", action="append", metavar="URL",
                   help="replaces the evidence list (repeatable)")
    p.set_defaults(func=_run(_claim_set))
    p = csub.add_parser("delete", parents=[common], help="delete a claim")
    p.add_argument("id", type=cli_args.archive_id)
    p.set_defaults(func=_run(_claim_delete))

    # collection -----------------------------------------------------------------------
    col = subparsers.add_parser("collection", parents=[common],
                                help="gather articles and claims into collections")
    lsub = col.add_subparsers(dest="collection_command", metavar="ACTION", required=True)
    p = lsub.add_parser("create", parents=[common], help="create a collection")
    p.add_argument("name")
    p.add_argument("--description")
    p.set_defaults(func=_run(_col_create))
    for action, fn, text in (("add", _col_add, "add articles and claims"),
                             ("remove", _col_remove, "remove articles and claims")):
        p = lsub.add_parser(action, parents=[common], help=text)
        p.add_argument("name")
        _item_options(p, ("article", "claim"))
        p.set_defaults(func=_run(fn))
    p = lsub.add_parser("list", parents=[common], help="list collections with counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_col_list))
    p = lsub.add_parser("show", parents=[common], help="a collection's articles and claims")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_col_show))
    p = lsub.add_parser("rename", parents=[common], help="rename a collection")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(func=_run(_col_rename))
    p = lsub.add_parser("delete", parents=[common],
                        help="delete a collection (its articles and claims stay)")
    p.add_argument("name")
    p.set_defaults(func=_run(_col_delete))
