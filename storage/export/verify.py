"""``cuttings verify``: re-check an export without trusting it. ``import`` runs the same
checks first and refuses whatever fails them (one code path, docs/reliability.md J6).

* ZIP bundle (:func:`check_bundle`):

  - members: safe names, regular files only (no symbolic link or device), only the
    bundle's own layout (``cuttings-export.json``, ``manifest-sha256.txt``,
    ``index.html``, ``articles/*.html``, ``snapshots/<sha256>.html``,
    ``images/<sha256>``), sizes and zip-bomb ratios;
  - the manifest must be there, list every other member, and every hash must match;
    ``snapshots/<sha>.html`` and ``images/<sha>`` must also match the hash in their
    name and be named by the JSON;
  - the JSON document against the schema (and the size cap);
  - every snapshot and image named anywhere (the JSON, the manifest, the side file
    ``missing-sha256.txt`` of older bundles) must be a member with that hash;
  - the article text: re-derived from the snapshot where it can be, see
    :mod:`storage.export.rederive` (a mismatch is a problem; text extracted by another
    extractor version is reported as "not re-checked" and imported as unverified).

* WARC: see :func:`storage.export.warc_format.verify_warc`.
* JSON: schema validation (a JSON file holds hashes, not the bytes: its texts are
  "not re-checked").

Each problem is listed; ``ok`` is true only when there are none.
Thread rules: pure reads; safe from any thread.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capture.bounded_read import InputTooLarge, format_mb, read_bounded
from storage.export import importer as _importer
from storage.export.bundle import (
    IMAGE_RE,
    MISSING_MEMBER,
    SNAPSHOT_RE,
    check_members,
    hash_member,
    open_bundle,
    parse_manifest,
    read_member,
)
from storage.export.html_render import ASSET_SRC
from storage.export.rederive import (
    DERIVABLE,
    MAX_REEXTRACT,
    MISMATCH,
    NOT_DERIVABLE,
    NOT_RECHECKED,
    VERIFIED,
    TextCheck,
    article_matches_latest,
    recheck,
)
from storage.export.schema import JSON_MEMBER, MANIFEST_MEMBER
from storage.export.validate import (
    ImportRefused,
    parse_document_from,
    referenced_blobs,
    validate_document,
)
from storage.export.warc_format import verify_warc

if TYPE_CHECKING:
    from capture.extract.bounded import ExtractionPool

log = logging.getLogger(__name__)

PAGE_RE = re.compile(r"articles/[^/]+\.html")
LAYOUT_FILES = frozenset({JSON_MEMBER, MANIFEST_MEMBER, MISSING_MEMBER, "index.html"})
LAYOUT_DIRS = frozenset({"snapshots/", "images/", "articles/"})


@dataclass
class VerifyReport:
    path: str
    kind: str  # zip | warc | json | unknown
    checked: int = 0  # hashes (zip), records (warc) or articles (json) checked
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    texts_verified: int = 0  # captures whose text was re-extracted and matched
    texts_unverified: int = 0  # captures whose text could not be re-checked

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class DocumentCheck:
    """What the checks found, for :mod:`storage.export.importer`: the validated
    document (None when it did not validate), the bundle's members by name, and the
    text check of every capture by SHA-256."""

    report: VerifyReport
    doc: dict[str, Any] | None = None
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    texts: dict[str, TextCheck] = field(default_factory=dict)


def verify_path(path: Path | str) -> VerifyReport:
    path = Path(path)
    if not path.is_file():
        return VerifyReport(str(path), "unknown", problems=[f"no such file: {path}"])
    try:
        kind = _importer.sniff(path)
    except OSError as exc:
        return VerifyReport(str(path), "unknown", problems=[f"cannot read {path}: {exc}"])
    if kind == "zip":
        return verify_bundle(path)
    if kind == "warc":
        check = verify_warc(path)
        report = VerifyReport(str(path), "warc", check.records, list(check.problems))
        report.notes.append(", ".join(f"{v} {k}" for k, v in sorted(check.types.items())))
        return report
    if kind == "json":
        return check_json(path).report
    return VerifyReport(str(path), kind, problems=[
        f"{path.name} is not a Cuttings export (ZIP bundle, JSON or WARC)"])


def verify_bundle(path: Path) -> VerifyReport:
    try:
        zf = open_bundle(path)
    except ImportRefused as exc:
        return VerifyReport(str(path), "zip", problems=[str(exc)])
    with zf:
        return check_bundle(zf, path).report


# --------------------------------------------------------------------------- JSON


def check_json(path: Path, snapshot_of: Callable[[str], bytes | None] | None = None
               ) -> DocumentCheck:
    """Parse and validate a JSON export (at most ``importer.MAX_JSON_FILE`` bytes read).
    ``snapshot_of(sha)`` may supply verified snapshot bytes (the importing archive's)
    for the text check; without it every text is "not re-checked"."""
    out = DocumentCheck(VerifyReport(str(path), "json"))

    def read() -> bytes:
        try:
            return read_bounded(path, _importer.MAX_JSON_FILE, path.name)
        except InputTooLarge as exc:
            raise ImportRefused(str(exc)) from exc
        except OSError as exc:
            raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}") from exc

    try:
        out.doc = validate_document(parse_document_from(read, path.name))
    except ImportRefused as exc:
        out.report.problems.append(str(exc))
        return out
    out.report.checked = len(out.doc["articles"])
    _check_texts(out, snapshot_of or (lambda _sha: None), "a JSON export holds no snapshot")
    out.report.notes.append("schema valid; a JSON file holds hashes, not the bytes: verify "
                            "the ZIP bundle to check them")
    return out


# --------------------------------------------------------------------------- ZIP


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if info.is_dir():
        return None if name in LAYOUT_DIRS else f"{name}: unexpected folder in a bundle"
    if name in LAYOUT_FILES or SNAPSHOT_RE.fullmatch(name) or IMAGE_RE.fullmatch(name) \
            or PAGE_RE.fullmatch(name):
        return None
    return f"{name[:200]}: unexpected member (not part of a Cuttings bundle)"


def check_bundle(zf: zipfile.ZipFile, path: Path) -> DocumentCheck:
    """Every check of a ZIP bundle (see the module docstring), on an open ZIP."""
    out = DocumentCheck(VerifyReport(str(path), "zip"))
    report = out.report
    try:
        infos = check_members(zf, path.name)
    except ImportRefused as exc:
        report.problems.append(str(exc))
        return out
    for info in infos:
        problem = _member_problem(info)
        if problem:
            report.problems.append(problem)
    by_name = {i.filename: i for i in infos if not i.is_dir()}
    out.members = by_name
    manifest: dict[str, str] = {}
    try:
        if MANIFEST_MEMBER in by_name:
            manifest, problems = parse_manifest(read_member(zf, by_name[MANIFEST_MEMBER]))
            report.problems.extend(problems)
        else:
            report.problems.append(f"{MANIFEST_MEMBER} is missing: nothing in the bundle can "
                                   "be checked against it")
    except ImportRefused as exc:
        report.problems.append(str(exc))
    actual: dict[str, str] = {}
    for name, info in by_name.items():
        if name == MANIFEST_MEMBER:
            continue
        try:
            actual[name] = hash_member(zf, info)
        except ImportRefused as exc:
            report.problems.append(str(exc))
            continue
        report.checked += 1
        m = SNAPSHOT_RE.fullmatch(name) or IMAGE_RE.fullmatch(name)
        if m and m.group(1) != actual[name]:
            report.problems.append(f"{name}: content does not match its SHA-256 (the hash in "
                                   f"its name; file {actual[name]}): altered or damaged")
        if manifest and name not in manifest:
            report.problems.append(f"{name}: not listed in the manifest")
        elif manifest and manifest[name] != actual[name]:
            report.problems.append(f"{name}: SHA-256 mismatch (manifest {manifest[name]}, "
                                   f"file {actual[name]})")
    for name in manifest:
        if name not in by_name:
            report.problems.append(f"{name}: listed in the manifest but not in the bundle")
    missing: set[str] = set()
    if MISSING_MEMBER in by_name:
        try:
            missing = set(read_member(zf, by_name[MISSING_MEMBER]).decode("ascii", "replace")
                          .split())
        except ImportRefused as exc:
            report.problems.append(str(exc))
        for sha in sorted(missing):
            report.problems.append(f"{sha[:64]}: listed in {MISSING_MEMBER} as unavailable at "
                                   "export time: the bundle lacks this evidence")
    if JSON_MEMBER not in by_name:
        report.problems.append(f"{JSON_MEMBER} is missing")
        return out
    json_info = by_name[JSON_MEMBER]
    if json_info.file_size > _importer.MAX_JSON_FILE:
        report.problems.append(f"{JSON_MEMBER} is too large (over "
                               f"{format_mb(_importer.MAX_JSON_FILE)}); refused")
        return out
    try:
        doc = validate_document(parse_document_from(lambda: read_member(zf, json_info),
                                                    JSON_MEMBER))
    except ImportRefused as exc:
        report.problems.append(f"{JSON_MEMBER}: {exc}")
        return out
    out.doc = doc
    snaps, images = referenced_blobs(doc)
    present = {m.group(1): name for name in by_name
               if (m := SNAPSHOT_RE.fullmatch(name) or IMAGE_RE.fullmatch(name))}
    for sha, name in sorted(present.items()):
        named = snaps if name.startswith("snapshots/") else images
        if sha not in named:
            report.problems.append(f"{name}: not named by {JSON_MEMBER}")
    if "snapshots" in doc["includes"]:
        for sha in sorted(snaps):
            if f"snapshots/{sha}.html" not in by_name:
                report.problems.append(f"snapshot {sha} named in the JSON is not in the bundle")
    if "images" in doc["includes"]:
        for sha in sorted(images):
            if f"images/{sha}" not in by_name:
                report.problems.append(f"image {sha} named in the JSON is not in the bundle")
        for i, art in enumerate(doc["articles"]):
            for sha in sorted(set(ASSET_SRC.findall(art["reader_html"])) - images):
                report.problems.append(f"articles[{i}].reader_html: image {sha} is not an "
                                       "image of this export")
    report.notes.append(f"{len(doc['articles'])} article(s), {len(snaps)} snapshot(s), "
                        f"{len(images)} image(s)")

    def snapshot_of(sha: str) -> bytes | None:
        info = by_name.get(f"snapshots/{sha}.html")
        if info is None or actual.get(info.filename) != sha:
            return None  # absent, or already reported as not matching its hash
        if info.file_size > MAX_REEXTRACT:  # recheck() says so; never read it all
            with zf.open(info) as fh:
                return fh.read(MAX_REEXTRACT + 1)
        return read_member(zf, info)

    _check_texts(out, snapshot_of, "no snapshot in the bundle")
    return out


def _check_texts(out: DocumentCheck, snapshot_of: Callable[[str], bytes | None],
                 no_snapshot: str) -> None:
    """Re-derive what can be re-derived (:mod:`storage.export.rederive`) and report it."""
    from capture.extract.bounded import ExtractionPool

    with ExtractionPool(size=1) as pool:  # one worker for the whole run, started lazily
        _check_texts_with(out, snapshot_of, no_snapshot, pool)


def _check_texts_with(out: DocumentCheck, snapshot_of: Callable[[str], bytes | None],
                      no_snapshot: str, pool: ExtractionPool) -> None:
    report = out.report
    assert out.doc is not None
    by_reason: dict[str, int] = {}
    for i, art in enumerate(out.doc["articles"]):
        why = article_matches_latest(art)
        if why:
            report.problems.append(f"articles[{i}] ({art['canonical_url'][:100]}): {why}")
        for j, cap in enumerate(art["captures"]):
            sha = cap["sha256"]
            if sha in out.texts:
                check = out.texts[sha]
            else:
                try:
                    data = snapshot_of(sha)
                except ImportRefused as exc:
                    report.problems.append(str(exc))
                    data = None
                check = (recheck(cap, data, pool=pool) if data is not None
                         else TextCheck(NOT_RECHECKED, f"not re-checked ({no_snapshot})"))
                out.texts[sha] = check
            if check.state == MISMATCH:
                report.problems.append(f"articles[{i}].captures[{j}] "
                                       f"({art['canonical_url'][:100]}): {check.detail}")
            elif check.state == VERIFIED:
                report.texts_verified += 1
            else:
                report.texts_unverified += 1
                by_reason[check.detail] = by_reason.get(check.detail, 0) + 1
    if report.texts_verified:
        report.notes.append(f"text of {report.texts_verified} capture(s) re-derived and "
                            f"checked: {DERIVABLE}")
    for detail, n in sorted(by_reason.items()):
        report.notes.append(f"text of {n} capture(s) {detail}: UNVERIFIED")
    report.notes.append(NOT_DERIVABLE)


__all__ = ["DocumentCheck", "VerifyReport", "check_bundle", "check_json", "verify_bundle",
           "verify_path"]
