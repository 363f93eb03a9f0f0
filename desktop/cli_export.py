"""``cuttings export``, ``cuttings import`` and ``cuttings verify`` (no Qt).

Registered by :mod:`desktop.cli` (``register(subparsers, common)``). Exit codes:
0 done, 1 failed or refused (message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import asdict, replace
from typing import Any

from desktop import cli_args
from desktop.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _err, _open_archive, _print_json
from desktop.terminal import out

log = logging.getLogger(__name__)


def cmd_export(args: argparse.Namespace) -> int:
    from storage.export import (
        FORMATS,
        ExportCancelled,
        ExportError,
        ExportOptions,
        ExportWriteError,
        Include,
        Selection,
        SelectionError,
        export,
    )

    if args.format not in FORMATS:  # pragma: no cover - argparse choices
        return EXIT_USAGE
    try:
        include = Include.only([k.strip() for k in args.include.split(",") if k.strip()]) \
            if args.include is not None else Include()
    except SelectionError as exc:
        _err(str(exc))
        return EXIT_USAGE
    selection = Selection(collection=args.collection, tag=args.tag, query=args.query,
                          article_ids=tuple(args.article) if args.article else None,
                          all_articles=bool(args.all), query_limit=args.limit)
    options = ExportOptions(title=args.title, csv_kind=args.kind)
    if args.format == "claimreview":
        reviewer = _reviewer(args)
        if reviewer is None:
            return EXIT_USAGE
        options = replace(options, reviewer=reviewer.name, reviewer_org=reviewer.organisation,
                          reviewer_url=reviewer.url)
    with _open_archive(args) as archive:
        try:
            result = export(archive, selection, args.format, args.output, include=include,
                            options=options)
        except SelectionError as exc:
            _err(str(exc))
            return EXIT_FAILED
        except (ExportWriteError, ExportError) as exc:
            _err(str(exc))
            return EXIT_FAILED
        except (ExportCancelled, KeyboardInterrupt):
            _err("export cancelled; no file written")
            return EXIT_FAILED
    for w in result.warnings:
        _err(f"warning: {w}")
    if args.json:
        _print_json({"format": result.format, "paths": [str(p) for p in result.paths],
                     "counts": result.counts, "bytes": result.bytes_written,
                     "warnings": result.warnings})
    else:
        out(result.summary())
    return EXIT_OK


#: How to name the ClaimReview reviewer, for the error when none is given or stored.
REVIEWER_HOW = ("pass --reviewer-name NAME and/or --reviewer-org ORG (and --reviewer-url URL), "
                "or set them once in the app: Settings › ClaimReview")


def stored_reviewer() -> dict[str, str]:
    """The reviewer kept in Settings (the app asks once and stores it there)."""
    from desktop.settings_store import app_qsettings, load_settings

    st = load_settings(app_qsettings())
    return {"name": st.reviewer_name, "organisation": st.reviewer_org, "url": st.reviewer_url}


def _reviewer(args: argparse.Namespace) -> Any:
    """The ClaimReview reviewer: the flags, each falling back to the stored setting;
    None (after one error line) when there is none or it is unusable."""
    from storage.export.claimreview import Reviewer

    given = {"name": args.reviewer, "organisation": args.reviewer_org, "url": args.reviewer_url}
    if any(v is None for v in given.values()):
        stored = stored_reviewer()
        given = {k: v if v is not None else stored[k] for k, v in given.items()}
    reviewer = Reviewer.of(given["name"], given["organisation"], given["url"])
    problem = reviewer.problem()
    if problem is not None:
        _err(f"{problem}: {REVIEWER_HOW}" if not reviewer.named else problem)
        return None
    return reviewer


def cmd_import(args: argparse.Namespace) -> int:
    from storage.export import ImportCancelled, ImportRefused, import_path

    with _open_archive(args) as archive:
        try:
            report = import_path(archive, args.path)
        except ImportRefused as exc:
            _err(f"import refused, nothing was changed: {exc}")
            return EXIT_FAILED
        except (ImportCancelled, KeyboardInterrupt):
            _err("import cancelled; nothing was changed")
            return EXIT_FAILED
    for w in report.warnings:
        _err(f"warning: {w}")
    for r in report.refused_urls[:50]:
        _err(f"refused {r}")
    if args.json:
        _print_json(asdict(report))
    else:
        out(report.summary())
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from storage.export import verify_path

    report = verify_path(args.path)
    if args.json:
        data: dict[str, Any] = asdict(report)
        data["ok"] = report.ok
        _print_json(data)
    else:
        for p in report.problems:
            out(f"MISMATCH  {p}")
        for n in report.notes:
            if n:
                out(f"note      {n}")
        verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problem(s))"
        out(f"{verdict}: {report.kind} {args.path}, {report.checked} checked")
    return EXIT_OK if report.ok else EXIT_FAILED


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from storage.export import FORMATS
    from storage.export.csv_format import CSV_KINDS
    from storage.export.select import KINDS

    ex = sub.add_parser("export", parents=[common],
                        help="export a collection, tag, search result or articles")
    which = ex.add_mutually_exclusive_group(required=True)
    which.add_argument("--collection", metavar="NAME")
    which.add_argument("--tag", metavar="T")
    which.add_argument("--query", metavar="Q", help="a search query (see README)")
    which.add_argument("--all", action="store_true", help="every article")
    which.add_argument("--article", type=cli_args.archive_id, nargs="+", metavar="ID", help="article ids")
    ex.add_argument("--format", required=True, choices=FORMATS)
    ex.add_argument("-o", "--output", required=True, metavar="PATH",
                    help="file to write (CSV without --kind: a folder, one file per kind)")
    ex.add_argument("--include", metavar="KINDS",
                    help=f"comma-separated, from {','.join(KINDS)} (default: all)")
    ex.add_argument("--kind", choices=CSV_KINDS, help="CSV: only this kind of item")
    ex.add_argument("--reviewer-name", "--reviewer", dest="reviewer", metavar="NAME",
                    help="ClaimReview: the reviewer's name (default: the one in Settings)")
    ex.add_argument("--reviewer-org", metavar="ORG",
                    help="ClaimReview: the reviewer's organisation (default: Settings)")
    ex.add_argument("--reviewer-url", metavar="URL",
                    help="ClaimReview: an http(s) address of the reviewer (default: Settings)")
    ex.add_argument("--title", help="heading of the report, dossier or bundle index")
    ex.add_argument("--limit", type=cli_args.count, default=500, help="--query: at most this many hits")
    ex.add_argument("--json", action="store_true", help="print the result as JSON")
    ex.set_defaults(func=cmd_export)

    im = sub.add_parser("import", parents=[common],
                        help="import a Cuttings JSON/ZIP export, bookmarks HTML or a URL list")
    im.add_argument("path")
    im.add_argument("--json", action="store_true", help="print the report as JSON")
    im.set_defaults(func=cmd_import)

    ve = sub.add_parser("verify", parents=[common],
                        help="re-check every hash of a ZIP bundle, WARC or JSON export")
    ve.add_argument("path")
    ve.add_argument("--json", action="store_true")
    ve.set_defaults(func=cmd_verify)
