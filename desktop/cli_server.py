"""``cuttings migrate-archive --from SRC --to DST``: move an archive between SQLite and
PostgreSQL (see :mod:`storage.transfer`). Connection URLs are printed redacted."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.terminal import err, note, out
from storage.pg import redact

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_migrate_archive(args: argparse.Namespace) -> int:
    from storage.archive import Archive
    from storage.paths import resolve_db_url
    from storage.transfer import copy_archive

    src_url, dst_url = resolve_db_url(args.source), resolve_db_url(args.target)
    if src_url == dst_url:
        err("--from and --to are the same archive")
        return EXIT_FAILED
    note(f"copying {redact(src_url)} -> {redact(dst_url)}")
    with Archive.open(src_url, readonly=True) as src, Archive.open(dst_url) as dst:
        report = copy_archive(src, dst, progress=note)
    for t in report.tables:
        out(f"{t.name:<20} {t.source:>9} rows  {t.copied:>9} copied  "
              f"{t.destination:>9} in the destination")
    out(f"blobs: {report.blobs_copied} copied, {report.blobs_present} already there, "
          f"{report.blobs_verified} verified by SHA-256")
    for problem in report.problems:
        err(problem)
    out("ok: every row and blob is in the destination" if report.ok else
          f"FAILED: {len(report.problems)} problem(s)")
    return EXIT_OK if report.ok else EXIT_FAILED


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    mi = sub.add_parser(
        "migrate-archive", parents=[common],
        help="copy an archive to another database (SQLite <-> PostgreSQL), verified; "
             "safe to re-run")
    mi.add_argument("--from", dest="source", required=True, metavar="SRC",
                    help="the archive to copy: a file path or a URL")
    mi.add_argument("--to", dest="target", required=True, metavar="DST",
                    help="where to copy it, e.g. postgresql://user@host/db?sslmode=require")
    mi.set_defaults(func=cmd_migrate_archive)
