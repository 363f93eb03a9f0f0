"""``cuttings export``, ``cuttings import`` and ``cuttings verify`` (no Qt).

Registered by :mod:`desktop.cli` (``register(subparsers, common)``). Exit codes:
0 done, 1 failed or refused (message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import asdict
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
    options = ExportOptions(title=args.title, reviewer=args.reviewer, csv_kind=args.kind)
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
    ex.add_argument("--reviewer", help="ClaimReview: the reviewing person or organisation")
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
