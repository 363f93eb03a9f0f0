"""The repository explains itself: code points only at its own ``docs/``, every section
or checklist row it cites exists there, and every test the checklist names exists.

Pure file reads; no network, no database.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RELIABILITY = DOCS / "reliability.md"
CODE_DIRS = ("capture", "storage", "desktop", "tests", "benchmarks", "packaging")

# Documents that once lived outside the repository; code must cite docs/ instead.
_OUTSIDE = re.compile(r"\bRELIABILITY\b|DESIGN\.md")
_DOC_REF = re.compile(r"docs/(\w+\.md)")
_RELIABILITY_REF = re.compile(r"docs/reliability\.md[\s,:]*([^)\n]*)")
_SECTION = re.compile(r"§(\d+(?:\.\d+)?)")
_ROW_RANGE = re.compile(r"\b([A-J])(\d+)(?:-\1?(\d+))?\b")
_CITED = re.compile(r"`(rel/|[a-z_]+/)([\w/]*test_\w+\.py)(?:::(\w+\*?))?`(?: \((\d+)\))?"
                    r"|`::(\w+\*?)`(?: \((\d+)\))?")
# Section J's test files are written on other branches of issue 16, merged with this one.
_PENDING_SECTION = "### J."


def _code_files() -> list[Path]:
    files = [p for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    return [p for p in files if p != Path(__file__).resolve()] + [ROOT / "setup.py"]


def _reliability() -> str:
    return RELIABILITY.read_text(encoding="utf-8")


def _sections(doc: str) -> set[str]:
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", doc, re.M))


def _rows(doc: str) -> set[str]:
    return set(re.findall(r"^\| ([A-J]\d+) \|", doc, re.M))


def test_code_points_at_no_document_outside_the_repository() -> None:
    offenders = []
    for path in _code_files():
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
            for name in _DOC_REF.findall(line):
                if not (DOCS / name).is_file():
                    offenders.append(f"{path.relative_to(ROOT)}:{no}: docs/{name} does not exist")
    assert offenders == []


def test_cited_sections_and_rows_exist() -> None:
    doc = _reliability()
    sections, rows = _sections(doc), _rows(doc)
    missing = []
    cited = 0
    for path in _code_files():
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for ref in _RELIABILITY_REF.findall(line):
                where = f"{path.relative_to(ROOT)}:{no}"
                for sec in _SECTION.findall(ref):
                    cited += 1
                    if sec not in sections:
                        missing.append(f"{where}: §{sec}")
                for letter, first, last in _ROW_RANGE.findall(ref):
                    for n in range(int(first), int(last or first) + 1):
                        cited += 1
                        if f"{letter}{n}" not in rows:
                            missing.append(f"{where}: {letter}{n}")
    assert cited >= 8  # the references this test was written for (a regex gone blind fails)
    assert missing == []


def test_every_test_the_checklist_names_exists() -> None:
    doc = _reliability()
    pending_from = doc.index(_PENDING_SECTION)
    problems = []
    current: Path | None = None
    checked = 0
    for m in _CITED.finditer(doc):
        if m.group(2):
            folder = "reliability/" if m.group(1) == "rel/" else m.group(1)
            current = ROOT / "tests" / (folder + m.group(2))
            func, count = m.group(3), m.group(4)
        else:
            func, count = m.group(5), m.group(6)
        assert current is not None, m.group(0)
        if not current.is_file():
            if m.start() < pending_from or func:
                problems.append(f"{current.relative_to(ROOT)} does not exist")
            continue
        checked += 1
        if not func:
            continue
        names = [n.name for n in ast.walk(ast.parse(current.read_text(encoding="utf-8")))
                 if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
        if func.endswith("*"):
            found = [n for n in names if n.startswith(func[:-1])]
            if not found or (count and len(found) != int(count)):
                problems.append(f"{current.name}::{func}: {len(found)} tests, cited ({count})")
        elif func not in names:
            problems.append(f"{current.name}::{func} does not exist")
    assert checked >= 60
    assert problems == []


def test_checklist_rows_are_numbered_in_order() -> None:
    rows = re.findall(r"^\| ([A-J])(\d+) \|", _reliability(), re.M)
    by_class: dict[str, list[int]] = {}
    for letter, n in rows:
        by_class.setdefault(letter, []).append(int(n))
    assert sorted(by_class) == list("ABCDEFGHIJ")
    for letter, numbers in by_class.items():
        assert numbers == list(range(1, len(numbers) + 1)), letter
