"""The ``cuttings`` command: the window without arguments, the headless archive with them.

Only the GUI path imports Qt (lazily), so every sub-command works on a machine
without a screen. Output shapes of ``--json`` are contracts (see README).
"""

from __future__ import annotations

import argparse
import html
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from capture.settings import Settings
from desktop import cli_args
from desktop.terminal import (
    SafeArgumentParser,
    configure_logging,
    install_excepthook,
    note,
    out,
    out_block,
    print_json,
)
from desktop.terminal import err as _err

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Modules that add sub-commands: each has ``register(subparsers, common_parent)`` and
#: sets ``func`` on its parsers (a function taking the parsed args, returning an exit code).
EXTRA_COMMAND_MODULES = ("desktop.cli_organize", "desktop.cli_export", "desktop.cli_server")


#: Every line the commands print goes through desktop.terminal (docs/reliability.md, J4).
_print_json = print_json


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
#: Commands meant to fill a new archive: only these create one where none exists (and
#: any command at the default location). Every other command refuses a missing archive
#: ("no archive at PATH": a typo'd --db must not leave an empty archive behind and show
#: nothing).
CREATING_COMMANDS = {"add", "import-html", "import"}


def _action(args: argparse.Namespace) -> str | None:
    return next((getattr(args, a) for a in ("tag_command", "claim_command",
                                             "collection_command") if hasattr(args, a)), None)


def _writes(args: argparse.Namespace) -> bool:
    if args.command == "check":
        return bool(getattr(args, "repair", False))  # --repair rebuilds the search index
    if args.command in READ_ONLY_COMMANDS:
        return False
    return _action(args) not in READ_ONLY_ACTIONS


def _open_archive(args: argparse.Namespace) -> Archive:
    """Open the archive named by ``--db``; commands that write hold its instance lock
    until the archive is closed (the lock file names the command, for whoever is
    refused it). Only :data:`CREATING_COMMANDS` may create a new archive; reading
    commands open a read-only archive (read-only disk or folder, ``mode=ro``) read-only
    by themselves."""
    from storage.archive import Archive
    from storage.db import ArchiveOpenError, missing_archive_error
    from storage.instance_lock import acquire_for_url, command_holder
    from storage.paths import default_db_path, read_only_requested, resolve_db_url, sqlite_path

    url = resolve_db_url(args.db)
    writes = _writes(args)
    # (the default location is no typo: a first `cuttings list` there finds it empty)
    create = (args.command in CREATING_COMMANDS
              or url == resolve_db_url(default_db_path()))
    path = sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise missing_archive_error(path)  # (before the lock, which would make files)
    words = " ".join(w for w in (args.command, _action(args)) if w)
    if writes and read_only_requested(url):
        raise ArchiveOpenError("read_only", f"{path} was named read-only (mode=ro or "
                               f"immutable=1), and `cuttings {words}` writes to the archive")
    lock = acquire_for_url(url, command_holder(words)) if writes else None
    try:
        try:
            archive = Archive.open(url, create=create)
        except ArchiveOpenError as exc:
            if writes or exc.code != "read_only":
                raise
            log.info("%s is read-only: reading it read-only", path)
            archive = Archive.open(url, readonly=True, create=False)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        archive.call_on_close(lock.release)
    return archive


# ----------------------------------------------------------------------------- commands


def cmd_extract(args: argparse.Namespace) -> int:
    from capture.bounded_read import read_bounded_or_stdin
    from capture.charset import decode_html
    from capture.extract.bounded import extract_bounded

    deadline = Settings().extract_deadline if args.deadline is None else args.deadline
    try:
        data = read_bounded_or_stdin(args.file, Settings().max_page_bytes, sys.stdin.buffer)
    except OSError as exc:
        _err(f"cannot read {args.file}: {exc.strerror or exc}")
        return EXIT_USAGE
    except ValueError as exc:  # too large, a folder
        _err(str(exc))
        return EXIT_USAGE
    html, _enc = decode_html(data, None)
    _print_json(extract_bounded(html, args.url, deadline=deadline).to_json())
    return EXIT_OK


def _collect_urls(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(normalised URLs, refusal messages) from arguments, --from-file and stdin."""
    from capture.bounded_read import URL_LIST_MAX_BYTES, read_bounded, read_stream_bounded
    from capture.urls import find_urls

    texts: list[str] = []
    texts.extend(a for a in args.urls if a != "-")
    try:
        if args.from_file:
            try:
                data = read_bounded(args.from_file, URL_LIST_MAX_BYTES)
            except OSError as exc:
                _err(f"cannot read {args.from_file}: {exc.strerror or exc}")
                raise SystemExit(EXIT_FAILED) from exc
            texts.append(data.decode("utf-8", errors="replace"))
        if "-" in args.urls or (not args.urls and not args.from_file and not args.resume
                                and not sys.stdin.isatty()):
            data = read_stream_bounded(sys.stdin.buffer, URL_LIST_MAX_BYTES, "stdin")
            texts.append(data.decode(sys.stdin.encoding or "utf-8", errors="replace"))
    except ValueError as exc:  # too large, a folder
        _err(str(exc))
        raise SystemExit(EXIT_USAGE) from exc
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
    from intake.pipeline import CapturePipeline, JobEvent

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
            note(f"skip  {dup.message}")
        job_ids = [j.id for j in report.jobs]
        if args.resume:
            job_ids += [j.id for j in archive.jobs(["queued"]) if j.id not in job_ids]

        def on_event(ev: JobEvent) -> None:
            if args.quiet:
                return
            if ev.state == "done":
                note(f"ok    [{ev.article_id}] {ev.url}  {ev.message or ''}", flush=True)
            elif ev.state in ("failed", "skipped", "cancelled"):
                note(f"{ev.state:<5} {ev.url}: {ev.message}", flush=True)

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
            out(f"nothing to capture; {dup_count} already archived")
            return EXIT_FAILED if refused else EXIT_OK
        summary.skipped += dup_count
        out(summary.line() + (f", {len(refused)} refused" if refused else ""), flush=True)
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
    from storage.index_health import SearchIndexDamagedError
    from storage.search_index import segments, tidy

    with _open_archive(args) as archive:
        if archive.db.engine.dialect.name != "sqlite":
            out("nothing to do: PostgreSQL keeps its own indexes")
            return EXIT_OK
        before = segments(archive.db)
        try:
            result = tidy(archive.db, full=True)
        except SearchIndexDamagedError as exc:
            _err(str(exc))
            return EXIT_FAILED
        if result.busy:
            _err("the archive is busy in another program; try `cuttings tidy` again later")
            return EXIT_FAILED
        after = segments(archive.db)
        out(f"search index: {before} segment{'s' * (before != 1)} before, {after} now "
              f"({result.steps} merge steps, {result.seconds:.1f} s)")
    return EXIT_OK


def cmd_import_html(args: argparse.Namespace) -> int:
    from intake.pipeline import import_html_file

    if args.url and len(args.files) > 1:
        _err("--url names one article: import one file at a time with it")
        return EXIT_USAGE
    from capture.bounded_read import InputTooLarge, NotAFile

    failed = refused = 0
    with _open_archive(args) as archive:
        for f in args.files:
            try:
                stored = import_html_file(archive, f, args.url)
            except (InputTooLarge, NotAFile) as exc:
                _err(str(exc))
                refused += 1
                continue
            except (OSError, ValueError) as exc:
                _err(f"cannot import {f}: {getattr(exc, 'strerror', None) or exc}")
                failed += 1
                continue
            article = archive.article(stored.article_id) or {}
            kept = ("  kept, but too complex to read (the page is kept as evidence, unread)"
                    if article.get("status") == "too_complex" else "")
            out(f"ok    [{stored.article_id}] {f}{kept}")
    return EXIT_USAGE if refused else EXIT_FAILED if failed else EXIT_OK


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
        out("The archive is empty. Capture pages with: cuttings add URL")
    for r in rows:
        date = (r.published or "")[:10]
        out(f"{r.id:>6}  {date:<10}  {(r.publisher or r.site)[:24]:<24}  {r.title or r.url}")
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
    out(data["title"] or "(no title)")
    meta = [", ".join(data["authors"]), data["publisher"] or "", (data["published"] or "")[:10]]
    out(" · ".join(m for m in meta if m))
    out(data["url"])
    out()
    out_block(data["text"] or ("(too complex to read: the page is kept as evidence, unread)"
                               if data.get("status") == "too_complex"
                               else "(no extractable text)"))
    if data["quotes"]:
        out()
        out("Quotes")
        for q in data["quotes"]:
            out(f"  “{q['quote']}” — {q['speaker'] or 'unattributed'}")
    if data["sources"]:
        out()
        out("Sources")
        for s in data["sources"]:
            out(f"  {s['name']} ({s['kind']})")
    if data["photo_credits"]:
        out()
        out("Photo credits")
        for c in data["photo_credits"]:
            out(f"  {c['credit']}")
    out()
    out("Captures")
    for c in data["captures"]:
        out(f"  {c['fetched_at']}  HTTP {c['status']}  sha256 {c['sha256']}  {c['final_url']}")
        provenance = [c["snapshot_state"]] if c["snapshot_state"] != "stored" else []
        if c["text_state"] == "unverified":
            provenance.append("text unverified (imported; not re-checked against a snapshot)")
        if provenance:
            out(f"    {'; '.join(provenance)}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Full integrity check of the database, of the search index, and of every stored
    snapshot and image; ``--repair`` rebuilds the search index (derived data) first."""
    from storage.blob_check import check_stored_copies
    from storage.index_health import REPAIR_HINT, check_archive_index, rebuild_database

    with _open_archive(args) as archive:
        result = archive.db.quick_check() if args.quick else archive.integrity_check()
        out(f"database: {result}")
        if args.repair and result != "ok":
            _err("the database itself is damaged: the search index was not rebuilt (restore "
                 "a backup: cuttings backup --list, cuttings restore FILE)")
            return EXIT_FAILED
        if args.repair:
            index = rebuild_database(archive.db)
            if index.tables:
                out(f"search index: rebuilt ({index.tables} tables)")
        else:
            index = check_archive_index(archive.db, full=not args.quick)
        for problem in index.problems:
            out(problem.line())
        if index.problems:
            _err(f"the search index is damaged; {REPAIR_HINT}" if not args.repair else
                 "the search index is still damaged after rebuilding it")
        elif index.tables:
            out("search index: ok" + (" (read-only, or in use by another program: looked "
                                        "for damaged blocks only)" if index.structure_only
                                        else ""))
        bad = 0
        if not args.no_blobs:
            copies = check_stored_copies(archive)
            for kind, sha, why in copies.damaged:
                out(f"damaged {kind} {sha}: {why}")
            bad = len(copies.damaged)
            out(f"stored copies: {copies.checked - bad} of {copies.checked} match their "
                "SHA-256")
            if copies.imported_without_line():
                out(copies.imported_without_line())
    return EXIT_OK if result == "ok" and index.ok and not bad else EXIT_FAILED


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
            out("no backups yet")
        for b in backups:
            out(f"{b.created_at:%Y-%m-%d %H:%M:%S} UTC  {b.size / 1e6:8.1f} MB  {b.path}")
        return EXIT_OK
    try:
        info = create_backup(url, keep=args.keep)
    except BackupError as exc:
        _err(f"{exc}; the earlier backups were kept")
        return EXIT_FAILED
    out(f"backup verified and saved: {info.path}")
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
    out(f"restored the backup of {result.backup_created_at:%Y-%m-%d %H:%M} UTC")
    if result.damaged_copy:
        out(f"the previous archive is kept as {result.damaged_copy}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from storage.search import search_backend

    with _open_archive(args) as archive:
        results = search_backend(archive.db).search(args.query, limit=args.limit,
                                                    offset=args.offset)
    if results.error:
        _err(results.error)
        return EXIT_FAILED if results.damaged else EXIT_USAGE
    if args.json:
        _print_json({"total": results.total, "ranked": results.ranked, "note": results.note,
                     "hits": [h.to_json() if hasattr(h, "to_json") else h.__dict__
                              for h in results.hits]})
        return EXIT_OK
    if not results.hits:
        out("no results")
    for h in results.hits:
        # The snippet is HTML (escaped text, <mark>): the terminal gets the text itself.
        snippet = html.unescape(h.snippet.replace("<mark>", "[").replace("</mark>", "]"))
        out(f"{h.kind:<7} [{h.article_id}] {h.title or ''}")
        out(f"        {snippet}")
    if results.note:
        out(results.note)
    return EXIT_OK


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = SafeArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="archive file or database URL (default: $CUTTINGS_DB or the user "
                             "data folder)")
    common.add_argument("--allow-local-network", action="store_true", default=argparse.SUPPRESS,
                        help="allow URLs on loopback and private addresses for this run")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)

    p = SafeArgumentParser(
        prog="cuttings", parents=[common],
        description="Cuttings: a press-cuttings archive. Without a command, opens the window.")
    # CI only (.ci/xcb_smoke.sh): open the window, print "window shown on <platform>", exit.
    p.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("add", parents=[common], help="capture URLs into the archive")
    a.add_argument("urls", nargs="*", help="URLs or pasted text containing URLs ('-': stdin)")
    a.add_argument("--from-file", metavar="FILE", help="a text file with URLs anywhere in it")
    a.add_argument("--resume", action="store_true", help="also run every queued job")
    a.add_argument("--recapture", action="store_true",
                   help="capture again URLs that are already archived")
    a.add_argument("--workers", type=cli_args.setting("workers"),
                   help="parallel downloads (default 8)")
    a.add_argument("--per-host", type=cli_args.setting("per_host"), dest="per_host",
                   help="parallel downloads per site")
    a.add_argument("--deadline", type=cli_args.setting("total_deadline"), dest="total_deadline",
                   help="seconds allowed per page (default 60)")
    a.add_argument("--no-images", action="store_true", help="do not download images")
    a.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    a.set_defaults(func=cmd_add)

    e = sub.add_parser("extract", parents=[common],
                       help="print what Cuttings extracts from an HTML file, as JSON")
    e.add_argument("file", help="HTML file, or - for stdin")
    e.add_argument("--url", help="the page's address (resolves links, identifies the site)")
    e.add_argument("--deadline", type=cli_args.setting("extract_deadline"), help="seconds allowed to read the page (default "
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
    sh.add_argument("id", type=cli_args.archive_id)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    se = sub.add_parser("search", parents=[common], help="search the archive")
    se.add_argument("query")
    se.add_argument("--json", action="store_true")
    se.add_argument("--limit", type=cli_args.count, default=20, help="hits to print (at most 500)")
    se.add_argument("--offset", type=cli_args.offset, default=0,
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
    ck.add_argument("--repair", action="store_true",
                    help="rebuild the search index from the articles (when the check says it is "
                         "damaged; articles, captures and hashes are not changed), then check")
    ck.set_defaults(func=cmd_check)

    bk = sub.add_parser("backup", parents=[common],
                        help="make a verified, rotating backup of the archive now")
    bk.add_argument("--keep", type=cli_args.count, default=5, help="backups to keep (default 5)")
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
    configure_logging(args.verbose)
    if args.command is None:
        from desktop.app import run_gui

        return run_gui(args.db, {"allow_local_network": True} if args.allow_local_network else {},
                       smoke_test=args.smoke_test)
    install_excepthook()
    from storage.db import ArchiveBusyError, ArchiveOpenError
    from storage.index_health import SearchIndexDamagedError, is_index_damage
    from storage.instance_lock import ArchiveLockedError
    from storage.paths import ArchiveLocationError

    try:
        return int(args.func(args))
    except ArchiveLocationError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except ArchiveLockedError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except ArchiveOpenError as exc:
        _err(str(exc))
        return EXIT_USAGE if exc.code == "missing" else EXIT_FAILED
    except SearchIndexDamagedError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except Exception as exc:  # damage met half-way (a write that updates the index)
        if not is_index_damage(exc):
            raise
        _err(f"the archive reports damage ({getattr(exc, 'orig', exc)}); the change that "
             "met it was not saved. Run `cuttings check` to find out where (a damaged "
             "search index is rebuilt by `cuttings check --repair`)")
        return EXIT_FAILED
    except ArchiveBusyError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
