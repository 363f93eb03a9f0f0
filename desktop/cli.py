"""The ``cuttings`` command: the window without arguments, the headless archive with them.

Only the GUI path imports Qt (lazily), so every sub-command works on a machine
without a screen. Output shapes of ``--json`` are contracts (see README).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capture.settings import Settings

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Modules that add sub-commands: each has ``register(subparsers, common_parent)`` and
#: sets ``func`` on its parsers (a function taking the parsed args, returning an exit code).
EXTRA_COMMAND_MODULES = ("desktop.cli_organize", "desktop.cli_export", "desktop.cli_server")


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _err(msg: str) -> None:
    print(f"cuttings: {msg}", file=sys.stderr)


def _settings(args: argparse.Namespace) -> Settings:
    values: dict[str, Any] = {}
    if getattr(args, "allow_local_network", False):
        values["allow_local_network"] = True
    for name in ("workers", "per_host", "total_deadline"):
        v = getattr(args, name, None)
        if v is not None:
            values[name] = v
    if getattr(args, "no_images", False):
        values["download_images"] = False
    return Settings.from_mapping(values)


#: (command, action) pairs that only read; every other command writes and takes the
#: archive's single-instance lock first (a window open on the same archive refuses it).
READ_ONLY_COMMANDS = {"list", "show", "search", "export", "verify", "extract", "check",
                      "backup", "restore"}  # (restore takes the lock itself)
READ_ONLY_ACTIONS = {"list", "show"}


def _writes(args: argparse.Namespace) -> bool:
    if args.command in READ_ONLY_COMMANDS:
        return False
    action = next((getattr(args, a) for a in ("tag_command", "claim_command",
                                               "collection_command") if hasattr(args, a)), None)
    return action not in READ_ONLY_ACTIONS


def _open_archive(args: argparse.Namespace) -> Archive:
    """Open the archive named by ``--db``; commands that write hold its instance lock
    until the archive is closed."""
    from storage.archive import Archive
    from storage.instance_lock import acquire_for_url
    from storage.paths import resolve_db_url

    lock = acquire_for_url(resolve_db_url(args.db)) if _writes(args) else None
    try:
        archive = Archive.open(args.db)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        archive.call_on_close(lock.release)
    return archive


# ----------------------------------------------------------------------------- commands


def cmd_extract(args: argparse.Namespace) -> int:
    from capture.extract.bounded import extract_bounded
    from capture.fetch import decode_html

    deadline = Settings().extract_deadline if args.deadline is None else args.deadline
    if not 0 < deadline <= 3600:  # NaN fails this too
        _err("--deadline must be a number of seconds, above 0 and at most 3600")
        return EXIT_USAGE
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            _err(f"cannot read {args.file}: {exc.strerror or exc}")
            return EXIT_USAGE
    html, _enc = decode_html(data, None)
    _print_json(extract_bounded(html, args.url, deadline=deadline).to_json())
    return EXIT_OK


def _collect_urls(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(normalised URLs, refusal messages) from arguments, --from-file and stdin."""
    from capture.urls import find_urls

    texts: list[str] = []
    texts.extend(a for a in args.urls if a != "-")
    if args.from_file:
        try:
            texts.append(Path(args.from_file).read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise SystemExit(f"cuttings: cannot read {args.from_file}: {exc.strerror or exc}") \
                from exc
    if "-" in args.urls or (not args.urls and not args.from_file and not args.resume
                            and not sys.stdin.isatty()):
        texts.append(sys.stdin.read())
    urls: list[str] = []
    refused: list[str] = []
    for text in texts:
        candidates = find_urls(text)
        if not candidates and text.strip() and text in args.urls:
            refused.append(f"not a web address: {text.strip()[:200]}")
        for c in candidates:
            if c.url:
                urls.append(c.url)
            else:
                refused.append(f"refused {c.raw[:200]}: {c.error}")
    return urls, refused


def cmd_add(args: argparse.Namespace) -> int:
    from capture.pipeline import CapturePipeline, JobEvent

    urls, refused = _collect_urls(args)
    for r in refused:
        _err(r)
    if not urls and not args.resume:
        _err("no URLs to capture" + (" (all refused)" if refused else ""))
        return EXIT_FAILED if refused else EXIT_USAGE
    settings = _settings(args)
    with _open_archive(args) as archive:
        interrupted = archive.reset_interrupted_jobs()
        if interrupted:
            _err(f"{interrupted} interrupted capture(s) queued again")
        report = archive.enqueue(urls, recapture=args.recapture)
        for dup in report.duplicates:
            print(f"skip  {dup.message}", file=sys.stderr)
        job_ids = [j.id for j in report.jobs]
        if args.resume:
            job_ids += [j.id for j in archive.jobs(["queued"]) if j.id not in job_ids]

        def on_event(ev: JobEvent) -> None:
            if args.quiet:
                return
            if ev.state == "done":
                print(f"ok    [{ev.article_id}] {ev.url}  {ev.message or ''}", file=sys.stderr,
                      flush=True)
            elif ev.state in ("failed", "skipped", "cancelled"):
                print(f"{ev.state:<5} {ev.url}: {ev.message}", file=sys.stderr, flush=True)

        pipeline = CapturePipeline(archive, settings, on_event=on_event)
        try:
            summary = pipeline.run(job_ids) if job_ids else None
        except KeyboardInterrupt:
            pipeline.stop()
            _err("interrupted: unfinished captures stay queued (resume with `cuttings add --resume`)")
            return EXIT_FAILED
        finally:
            pipeline.close()
        dup_count = len(report.duplicates)
        if summary is None:
            print(f"nothing to capture; {dup_count} already archived")
            return EXIT_FAILED if refused else EXIT_OK
        summary.skipped += dup_count
        print(summary.line() + (f", {len(refused)} refused" if refused else ""), flush=True)
        if summary.done:
            _tidy_index(archive, seconds=TIDY_AFTER_CAPTURE_S)
        return EXIT_OK if summary.ok and not refused else EXIT_FAILED


TIDY_AFTER_CAPTURE_S = 2.0  # index merging after `cuttings add`, at most


def _tidy_index(archive: Archive, *, seconds: float) -> None:
    """Merge the search index a little (storage.search_index, incrementally); never fails
    the command: the captures are stored, this is upkeep (Ctrl+C just ends it)."""
    import time

    from storage.search_index import tidy

    try:
        tidy(archive.db, deadline=time.monotonic() + seconds)
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # noqa: BLE001
        log.warning("could not tidy the search index: %s", exc)


def cmd_tidy(args: argparse.Namespace) -> int:
    """Merge the search index's segments: searches get faster, results stay the same."""
    from storage.search_index import segments, tidy

    with _open_archive(args) as archive:
        if archive.db.engine.dialect.name != "sqlite":
            print("nothing to do: PostgreSQL keeps its own indexes")
            return EXIT_OK
        before = segments(archive.db)
        result = tidy(archive.db, full=True)
        if result.busy:
            _err("the archive is busy in another program; try `cuttings tidy` again later")
            return EXIT_FAILED
        after = segments(archive.db)
        print(f"search index: {before} segment{'s' * (before != 1)} before, {after} now "
              f"({result.steps} merge steps, {result.seconds:.1f} s)")
    return EXIT_OK


def cmd_import_html(args: argparse.Namespace) -> int:
    from capture.pipeline import import_html_file

    if args.url and len(args.files) > 1:
        _err("--url names one article: import one file at a time with it")
        return EXIT_USAGE
    failed = 0
    with _open_archive(args) as archive:
        for f in args.files:
            try:
                stored = import_html_file(archive, f, args.url)
            except (OSError, ValueError) as exc:
                _err(f"cannot import {f}: {getattr(exc, 'strerror', None) or exc}")
                failed += 1
                continue
            print(f"ok    [{stored.article_id}] {f}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with _open_archive(args) as archive:
        rows = archive.list_articles()
    if args.json:
        _print_json([{"id": r.id, "url": r.url, "title": r.title, "publisher": r.publisher,
                      "authors": list(r.authors), "published": r.published,
                      "captured_at": r.captured_at.isoformat() if r.captured_at else None,
                      "quotes": r.quote_count, "tags": list(r.tags)} for r in rows])
        return EXIT_OK
    if not rows:
        print("The archive is empty. Capture pages with: cuttings add URL")
    for r in rows:
        date = (r.published or "")[:10]
        print(f"{r.id:>6}  {date:<10}  {(r.publisher or r.site)[:24]:<24}  {r.title or r.url}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with _open_archive(args) as archive:
        data = archive.article(args.id)
    if data is None:
        _err(f"no article with id {args.id}")
        return EXIT_FAILED
    if args.json:
        data = dict(data)
        data.pop("reader_html", None)
        _print_json(data)
        return EXIT_OK
    print(data["title"] or "(no title)")
    meta = [", ".join(data["authors"]), data["publisher"] or "", (data["published"] or "")[:10]]
    print(" · ".join(m for m in meta if m))
    print(data["url"])
    print()
    print(data["text"] or ("(too complex to read: the page is kept as evidence, unread)"
                           if data.get("status") == "too_complex" else "(no extractable text)"))
    if data["quotes"]:
        print("\nQuotes")
        for q in data["quotes"]:
            print(f"  “{q['quote']}” — {q['speaker'] or 'unattributed'}")
    if data["sources"]:
        print("\nSources")
        for s in data["sources"]:
            print(f"  {s['name']} ({s['kind']})")
    if data["photo_credits"]:
        print("\nPhoto credits")
        for c in data["photo_credits"]:
            print(f"  {c['credit']}")
    print("\nCaptures")
    for c in data["captures"]:
        print(f"  {c['fetched_at']}  HTTP {c['status']}  sha256 {c['sha256']}  {c['final_url']}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Full integrity check of the database, and of every stored snapshot and image."""
    from storage.blobs import BlobCorruptError, BlobMissingError

    with _open_archive(args) as archive:
        result = archive.db.quick_check() if args.quick else archive.integrity_check()
        print(f"database: {result}")
        bad = 0
        checked = 0
        if not args.no_blobs:
            for kind, sha in archive.referenced_blobs():
                try:
                    archive.blobs.get(sha)
                except (BlobCorruptError, BlobMissingError) as exc:
                    bad += 1
                    print(f"damaged {kind} {sha}: {exc}")
                checked += 1
            print(f"stored copies: {checked - bad} of {checked} match their SHA-256")
    return EXIT_OK if result == "ok" and not bad else EXIT_FAILED


def cmd_backup(args: argparse.Namespace) -> int:
    """Make a verified backup now (or list the backups)."""
    from storage.backup import BackupError, create_backup, list_backups
    from storage.paths import resolve_db_url, sqlite_path

    url = resolve_db_url(args.db)
    if sqlite_path(url) is None:
        _err("backups are for SQLite archives; a database server has its own")
        return EXIT_USAGE
    if args.list:
        backups = list_backups(url)
        if not backups:
            print("no backups yet")
        for b in backups:
            print(f"{b.created_at:%Y-%m-%d %H:%M:%S} UTC  {b.size / 1e6:8.1f} MB  {b.path}")
        return EXIT_OK
    try:
        info = create_backup(url, keep=args.keep)
    except BackupError as exc:
        _err(str(exc))
        return EXIT_FAILED
    print(f"backup verified and saved: {info.path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the archive; the current file is kept aside."""
    from storage.backup import BackupError, restore
    from storage.paths import resolve_db_url

    try:
        result = restore(args.backup, resolve_db_url(args.db))
    except (BackupError, OSError) as exc:
        _err(f"cannot restore {args.backup}: {exc}")
        return EXIT_FAILED
    print(f"restored the backup of {result.backup_created_at:%Y-%m-%d %H:%M} UTC")
    if result.damaged_copy:
        print(f"the previous archive is kept as {result.damaged_copy}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from storage.search import search_backend

    with _open_archive(args) as archive:
        results = search_backend(archive.db).search(args.query, limit=args.limit,
                                                    offset=args.offset)
    if results.error:
        _err(results.error)
        return EXIT_USAGE
    if args.json:
        _print_json({"total": results.total, "ranked": results.ranked, "note": results.note,
                     "hits": [h.to_json() if hasattr(h, "to_json") else h.__dict__
                              for h in results.hits]})
        return EXIT_OK
    if not results.hits:
        print("no results")
    for h in results.hits:
        snippet = h.snippet.replace("<mark>", "[").replace("</mark>", "]")
        print(f"{h.kind:<7} [{h.article_id}] {h.title or ''}\n        {snippet}")
    if results.note:
        print(results.note)
    return EXIT_OK


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="archive file or database URL (default: $CUTTINGS_DB or the user "
                             "data folder)")
    common.add_argument("--allow-local-network", action="store_true", default=argparse.SUPPRESS,
                        help="allow URLs on loopback and private addresses for this run")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)

    p = argparse.ArgumentParser(
        prog="cuttings", parents=[common],
        description="Cuttings: a press-cuttings archive. Without a command, opens the window.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("add", parents=[common], help="capture URLs into the archive")
    a.add_argument("urls", nargs="*", help="URLs or pasted text containing URLs ('-': stdin)")
    a.add_argument("--from-file", metavar="FILE", help="a text file with URLs anywhere in it")
    a.add_argument("--resume", action="store_true", help="also run every queued job")
    a.add_argument("--recapture", action="store_true",
                   help="capture again URLs that are already archived")
    a.add_argument("--workers", type=int, help="parallel downloads (default 8)")
    a.add_argument("--per-host", type=int, dest="per_host", help="parallel downloads per site")
    a.add_argument("--deadline", type=float, dest="total_deadline",
                   help="seconds allowed per page (default 60)")
    a.add_argument("--no-images", action="store_true", help="do not download images")
    a.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    a.set_defaults(func=cmd_add)

    e = sub.add_parser("extract", parents=[common],
                       help="print what Cuttings extracts from an HTML file, as JSON")
    e.add_argument("file", help="HTML file, or - for stdin")
    e.add_argument("--url", help="the page's address (resolves links, identifies the site)")
    e.add_argument("--deadline", type=float, help="seconds allowed to read the page (default "
                   "30); past it the result says \"too complex to read\"")
    e.set_defaults(func=cmd_extract)

    ih = sub.add_parser("import-html", parents=[common],
                        help="store pages saved from a browser (e.g. paywalled articles)")
    ih.add_argument("files", nargs="+", metavar="FILE")
    ih.add_argument("--url", help="the article's address")
    ih.set_defaults(func=cmd_import_html)

    ls = sub.add_parser("list", parents=[common], help="list archived articles")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    sh = sub.add_parser("show", parents=[common], help="show everything stored for an article")
    sh.add_argument("id", type=int)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    se = sub.add_parser("search", parents=[common], help="search the archive")
    se.add_argument("query")
    se.add_argument("--json", action="store_true")
    se.add_argument("--limit", type=int, default=20, help="hits to print (at most 500)")
    se.add_argument("--offset", type=int, default=0,
                    help="skip this many hits first (the next page: --offset 20)")
    se.set_defaults(func=cmd_search)

    td = sub.add_parser("tidy", parents=[common],
                        help="merge the search index so that searches run faster (the app "
                             "does it in the background after captures)")
    td.set_defaults(func=cmd_tidy)

    ck = sub.add_parser("check", parents=[common],
                        help="check the archive's integrity and every stored copy's hash")
    ck.add_argument("--quick", action="store_true", help="PRAGMA quick_check instead of the "
                    "full integrity_check")
    ck.add_argument("--no-blobs", action="store_true", help="skip re-hashing snapshots and images")
    ck.set_defaults(func=cmd_check)

    bk = sub.add_parser("backup", parents=[common],
                        help="make a verified, rotating backup of the archive now")
    bk.add_argument("--keep", type=int, default=5, help="backups to keep (default 5)")
    bk.add_argument("--list", action="store_true", help="list the backups instead")
    bk.set_defaults(func=cmd_backup)

    rs = sub.add_parser("restore", parents=[common],
                        help="put a backup in place of the archive (the current file is kept)")
    rs.add_argument("backup", help="a backup file (see: cuttings backup --list)")
    rs.set_defaults(func=cmd_restore)

    for module in EXTRA_COMMAND_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub, common)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("db", None), ("allow_local_network", False), ("verbose", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        from desktop.app import run_gui

        return run_gui(args.db, {"allow_local_network": True} if args.allow_local_network else {})
    from storage.db import ArchiveBusyError, ArchiveOpenError
    from storage.instance_lock import ArchiveLockedError

    try:
        return int(args.func(args))
    except ArchiveLockedError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except ArchiveOpenError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except ArchiveBusyError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
