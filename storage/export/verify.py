"""``cuttings verify``: re-check an export without trusting it.

* ZIP bundle: every member against ``manifest-sha256.txt`` (and members missing from
  either side), every ``snapshots/<sha>.html`` and ``images/<sha>`` against the hash
  in its name, the JSON document against the schema, and every capture and image
  hash the JSON names against a member of the bundle.
* WARC: see :func:`storage.export.warc_format.verify_warc`.
* JSON: schema validation (the bytes are not in a JSON file; hashes are checked when
  the snapshots are at hand, in a bundle).

Each problem is listed; ``ok`` is true only when there are none.
Thread rules: pure reads; safe from any thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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
from storage.export.importer import sniff
from storage.export.schema import JSON_MEMBER, MANIFEST_MEMBER
from storage.export.validate import (
    ImportRefused,
    parse_document,
    referenced_blobs,
    validate_document,
)
from storage.export.warc_format import verify_warc

log = logging.getLogger(__name__)


@dataclass
class VerifyReport:
    path: str
    kind: str  # zip | warc | json | unknown
    checked: int = 0  # hashes (zip), records (warc) or articles (json) checked
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_path(path: Path | str) -> VerifyReport:
    path = Path(path)
    if not path.is_file():
        return VerifyReport(str(path), "unknown", problems=[f"no such file: {path}"])
    try:
        kind = sniff(path)
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
        report = VerifyReport(str(path), "json")
        try:
            doc = validate_document(parse_document(path.read_bytes(), path.name))
            report.checked = len(doc["articles"])
            report.notes.append("schema valid; a JSON file holds hashes, not the bytes: verify "
                                "the ZIP bundle to check them")
        except ImportRefused as exc:
            report.problems.append(str(exc))
        return report
    return VerifyReport(str(path), kind, problems=[
        f"{path.name} is not a Cuttings export (ZIP bundle, JSON or WARC)"])


def verify_bundle(path: Path) -> VerifyReport:
    report = VerifyReport(str(path), "zip")
    try:
        zf = open_bundle(path)
    except ImportRefused as exc:
        report.problems.append(str(exc))
        return report
    with zf:
        try:
            infos = check_members(zf, path.name)
        except ImportRefused as exc:
            report.problems.append(str(exc))
            return report
        by_name = {i.filename: i for i in infos if not i.is_dir()}
        manifest: dict[str, str] = {}
        if MANIFEST_MEMBER in by_name:
            manifest, problems = parse_manifest(read_member(zf, by_name[MANIFEST_MEMBER]))
            report.problems.extend(problems)
        else:
            report.problems.append(f"{MANIFEST_MEMBER} is missing")
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
            if manifest and name not in manifest:
                report.problems.append(f"{name}: not listed in the manifest")
            elif manifest and manifest[name] != actual[name]:
                report.problems.append(f"{name}: SHA-256 mismatch (manifest {manifest[name]}, "
                                       f"file {actual[name]})")
            m = SNAPSHOT_RE.fullmatch(name) or IMAGE_RE.fullmatch(name)
            if m and m.group(1) != actual[name]:
                report.problems.append(f"{name}: content does not match the SHA-256 in its "
                                       f"name (file {actual[name]})")
        for name in manifest:
            if name not in by_name:
                report.problems.append(f"{name}: listed in the manifest but not in the bundle")
        missing: set[str] = set()
        if MISSING_MEMBER in by_name:
            missing = set(read_member(zf, by_name[MISSING_MEMBER]).decode("ascii", "replace")
                          .split())
            if missing:
                report.notes.append(f"{len(missing)} file(s) were unavailable at export time")
        if JSON_MEMBER not in by_name:
            report.problems.append(f"{JSON_MEMBER} is missing")
            return report
        try:
            doc = validate_document(parse_document(read_member(zf, by_name[JSON_MEMBER]),
                                                   JSON_MEMBER))
        except ImportRefused as exc:
            report.problems.append(f"{JSON_MEMBER}: {exc}")
            return report
        snaps, images = referenced_blobs(doc)
        if "snapshots" in doc["includes"]:
            for sha in sorted(snaps - missing):
                if f"snapshots/{sha}.html" not in by_name:
                    report.problems.append(f"snapshot {sha} named in the JSON is not in the "
                                           "bundle")
        if "images" in doc["includes"]:
            for sha in sorted(images - missing):
                if f"images/{sha}" not in by_name:
                    report.problems.append(f"image {sha} named in the JSON is not in the bundle")
        report.notes.append(f"{len(doc['articles'])} article(s), {len(snaps)} snapshot(s), "
                            f"{len(images)} image(s)")
    return report
