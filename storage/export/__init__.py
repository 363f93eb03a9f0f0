"""Export and import of the archive (issue 7). The public API:

* :func:`export` — write a selection in one format; returns :class:`ExportResult`.
* :func:`resolve_article_ids`, :func:`count_selection` — what a selection holds.
* :func:`import_path` — import a JSON export, ZIP bundle, bookmarks or URL list;
  returns :class:`ImportReport`; raises :class:`ImportRefused` (nothing written).
* :func:`verify_path` — re-check a bundle, WARC or JSON; returns :class:`VerifyReport`.
* :func:`suggested_filename` — a safe default name for the Export dialog.

Every long call takes ``progress(done, total)`` and a ``threading.Event`` to cancel;
a cancelled or failed export leaves no file (temp file + fsync + ``os.replace``).

Thread rules: run exports and imports in a worker thread (each opens its own short
database sessions); never on the GUI thread for large selections.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storage.export.common import (
    ExportCancelled,
    ExportError,
    ExportResult,
    Progress,
    RecordStream,
    check_cancel,
)
from storage.export.files import ExportWriteError, atomic_write, describe_os_error
from storage.export.importer import ImportCancelled, ImportReport, import_path
from storage.export.select import (
    Include,
    Selection,
    SelectionCounts,
    SelectionError,
    count_selection,
    resolve_article_ids,
)
from storage.export.validate import ImportRefused
from storage.export.verify import VerifyReport, verify_path

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

FORMATS = ("json", "zip", "csv", "md", "html", "warc", "claimreview", "csl", "ris")
#: The usual file name ending of each format (the CLI and the dialog suggest it).
EXTENSIONS = {"json": ".json", "zip": ".zip", "csv": ".csv", "md": ".md", "html": ".html",
              "warc": ".warc.gz", "claimreview": ".jsonld", "csl": ".csl.json", "ris": ".ris"}

__all__ = [
    "EXTENSIONS", "FORMATS", "ExportCancelled", "ExportError", "ExportOptions", "ExportResult",
    "ExportWriteError", "ImportCancelled", "ImportRefused", "ImportReport", "Include",
    "Selection", "SelectionCounts", "SelectionError", "VerifyReport", "count_selection",
    "export", "import_path", "resolve_article_ids", "suggested_filename", "verify_path",
]


@dataclass(frozen=True)
class ExportOptions:
    title: str | None = None  # heading of the HTML report / Markdown dossier / index
    reviewer: str | None = None  # ClaimReview: the reviewer's name
    reviewer_org: str | None = None  # ClaimReview: the reviewer's organisation
    reviewer_url: str | None = None  # ClaimReview: a web address of either
    csv_kind: str | None = None  # one CSV kind; None = one file per kind in folder ``path``


def _title(selection: Selection, options: ExportOptions) -> str:
    if options.title:
        return options.title
    d = selection.describe()
    if "collection" in d:
        return f"Collection: {d['collection']}"
    if "tag" in d:
        return f"Tag: {d['tag']}"
    if "query" in d:
        return f"Search: {d['query']}"
    return "Cuttings export"


def suggested_filename(selection: Selection, fmt: str, options: ExportOptions = ExportOptions()
                       ) -> str:
    """A safe default file (or, for CSV of every kind, folder) name for the dialog."""
    from storage.export.files import safe_filename

    base = safe_filename(_title(selection, options).replace(":", ""), max_bytes=60,
                         fallback="cuttings-export")
    if fmt == "csv" and options.csv_kind is None:
        return base + "-csv"
    return base + EXTENSIONS.get(fmt, "")


def export(archive: Archive, selection: Selection, fmt: str, path: Path | str, *,
           include: Include = Include(), options: ExportOptions = ExportOptions(),
           progress: Progress | None = None, cancel: threading.Event | None = None,
           ids: list[int] | None = None) -> ExportResult:
    """Export the articles of ``selection`` (or the given ``ids``) as ``fmt`` to ``path``.

    Raises :class:`SelectionError` (unknown collection/tag, bad query),
    :class:`ExportWriteError` (target not writable: message names the path),
    :class:`ExportError` (e.g. the written WARC failed verification; ClaimReview
    without a reviewer: ``ReviewerMissing``) or :class:`ExportCancelled`. In every one of those cases no file is left behind.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "claimreview":
        from storage.export.claimreview import Reviewer

        reviewer = Reviewer.of(options.reviewer, options.reviewer_org, options.reviewer_url)
        reviewer.check()  # before any file is opened
    path = Path(path)
    notes: list[str] = []
    if ids is None:
        ids = resolve_article_ids(archive, selection, notes)
    check_cancel(cancel)
    stream = RecordStream(archive, ids, include, progress, cancel)
    result = ExportResult(fmt, [path], warnings=notes)
    title = _title(selection, options)
    if fmt == "csv":
        return _export_csv(archive, stream, path, options, result)
    try:
        if fmt == "json":
            from storage.export.json_format import write_json

            with atomic_write(path) as fh:
                result.counts["articles"] = write_json(fh, archive, stream, selection)
        elif fmt == "zip":
            from storage.export.bundle import write_bundle

            with atomic_write(path) as fh:
                c = write_bundle(fh, archive, stream, selection, title, result.warnings,
                                 path.parent)
            result.counts.update(articles=c.articles, snapshots=c.snapshots, images=c.images,
                                 pages=c.pages)
        elif fmt == "md":
            from storage.export.markdown import write_markdown

            with atomic_write(path) as fh:
                result.counts["articles"] = write_markdown(fh, stream, title)
        elif fmt == "html":
            from storage.export.html_report import write_html

            with atomic_write(path) as fh:
                result.counts["articles"] = write_html(fh, archive, stream, title,
                                                       result.warnings, selection)
        elif fmt == "warc":
            _export_warc(archive, stream, path, result)
        elif fmt == "claimreview":
            from storage.export.claimreview import write_claimreview

            stream.include = Include(**{**stream.include.__dict__, "claims": True})
            with atomic_write(path) as fh:
                result.counts["claim reviews"] = write_claimreview(fh, stream, reviewer)
        elif fmt == "csl":
            from storage.export.citation import write_csl

            with atomic_write(path) as fh:
                result.counts["articles"] = write_csl(fh, stream)
        elif fmt == "ris":
            from storage.export.citation import write_ris

            with atomic_write(path) as fh:
                result.counts["articles"] = write_ris(fh, stream)
    except OSError as exc:
        if isinstance(exc, ExportWriteError):
            raise
        raise ExportWriteError(path, describe_os_error(exc), exc.errno) from exc
    result.bytes_written = path.stat().st_size
    log.info("%s", result.summary())
    return result


def _export_warc(archive: Archive, stream: RecordStream, path: Path,
                 result: ExportResult) -> None:
    from storage.export.warc_format import verify_warc, write_warc

    written: dict[str, int] = {}

    def check(tmp: Path) -> None:
        chk = verify_warc(tmp, expected_records=written["records"])
        if not chk.ok:
            raise ExportError("the written WARC failed verification: " + "; ".join(chk.problems))

    with atomic_write(path, check=check) as fh:
        sink = write_warc(fh, archive, stream, path.name, result.warnings)
        written["records"] = sink.records
    result.counts.update(articles=len(stream.ids), captures=sink.captures, images=sink.images,
                         records=sink.records)


def _export_csv(archive: Archive, stream: RecordStream, path: Path, options: ExportOptions,
                result: ExportResult) -> ExportResult:
    from storage.export.csv_format import CSV_KINDS, INCLUDE_OF, CsvSink

    created = False
    if options.csv_kind is not None:
        if options.csv_kind not in CSV_KINDS:
            raise ExportError(f"unknown CSV kind {options.csv_kind!r}; choose from "
                              f"{', '.join(CSV_KINDS)}")
        targets = {options.csv_kind: path}
    else:
        if path.suffix.lower() == ".csv":
            raise ExportError(f"{path}: CSV of every kind is one file per kind; give a folder, "
                              "or choose one kind")
        if not path.is_dir():
            try:
                path.mkdir()
                created = True
            except OSError as exc:
                raise ExportWriteError(path, describe_os_error(exc), exc.errno) from exc
        targets = {k: path / f"{k}.csv" for k in CSV_KINDS
                   if k == "articles" or getattr(stream.include, INCLUDE_OF[k])}
    needed = {INCLUDE_OF[k]: True for k in targets if k in INCLUDE_OF}
    stream.include = Include(**{**stream.include.__dict__, **needed})
    try:
        with contextlib.ExitStack() as stack:
            sinks = [CsvSink(k, stack.enter_context(atomic_write(p)))
                     for k, p in targets.items()]
            for rec in stream:
                for sink in sinks:
                    sink.add(rec)
            for sink in sinks:
                sink.finish()
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()  # only if still empty
        raise
    result.paths = list(targets.values())
    result.counts["articles"] = len(stream.ids)
    for sink in sinks:
        result.counts[f"{sink.kind} rows"] = sink.rows
    result.bytes_written = sum(p.stat().st_size for p in result.paths)
    return result
