"""The packages import one way only (docs/architecture.md, "Layout"):

    desktop  ->  intake  ->  storage  ->  capture

``capture`` (fetching, decoding, extraction, URL keys) imports neither ``storage`` nor
``intake`` nor ``desktop``; ``storage`` may use ``capture``'s pure pieces but never
``intake`` or ``desktop``; ``intake`` (the pipeline) never imports ``desktop``. None of
``capture``, ``storage`` and ``intake`` imports Qt. Every module is parsed (not
imported), so an import hidden inside a function or under ``TYPE_CHECKING`` counts too.

A URL is normalised and keyed in one place, ``capture/urls.py``: storage files an
article under :func:`capture.urls.site_key` and searches ``site:`` with it too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from capture.urls import site_key
from storage.archive import Archive
from storage.search import SqliteSearch
from tests.support.captures import fetched

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level names it must never import
FORBIDDEN = {
    "capture": {"storage", "intake", "desktop", "PySide6", "shiboken6"},
    "storage": {"intake", "desktop", "PySide6", "shiboken6"},
    "intake": {"desktop", "PySide6", "shiboken6"},
}


def _imported(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in ``tree`` (relative ones resolved
    against ``module``, the dotted name of the file's package)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            out.append((node.lineno, node.args[0].value))
    return out


def _violations(package: str) -> list[str]:
    bad: list[str] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT)
        parts = list(rel.with_suffix("").parts)
        package_name = ".".join(parts if parts[-1] == "__init__" else parts[:-1])
        package_name = package_name.removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"), str(rel))
        for line, name in _imported(tree, package_name):
            if name.split(".")[0] in FORBIDDEN[package]:
                bad.append(f"{rel}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_one_way_only(package: str) -> None:
    assert (ROOT / package / "__init__.py").is_file()
    assert _violations(package) == []


def test_the_guard_sees_every_kind_of_import() -> None:
    src = ("import storage.archive\nfrom storage import db\nfrom ..desktop import cli\n"
           "def f():\n    from PySide6.QtCore import QObject\n"
           "importlib.import_module('intake.pipeline')\n")
    names = [n for _, n in _imported(ast.parse(src), "capture.extract")]
    # a relative import stays inside its own package (``capture.desktop`` here)
    assert names == ["storage.archive", "storage", "capture.desktop", "PySide6.QtCore",
                     "intake.pipeline"]


# --------------------------------------------------------------------------------------
# one URL keying
# --------------------------------------------------------------------------------------

# Host keying by hand in storage: a ``www.`` stripped, a ``.hostname`` lower-cased.
_HAND_KEYING = re.compile(r"""startswith\(\s*["']www\.|\.hostname\b|\(\?:www\\\.\)""")


def test_storage_does_not_key_hosts_by_hand() -> None:
    found = [f"{p.relative_to(ROOT)}:{n}"
             for p in sorted((ROOT / "storage").rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if _HAND_KEYING.search(line)]
    assert found == []


@pytest.mark.parametrize(("value", "site"), [
    ("https://www.example.com/a", "example.com"),
    ("http://Example.COM:8080/x", "example.com"),
    ("https://news.example.org./a", "news.example.org"),
    ("https://www.bücher.example/a", "xn--bcher-kva.example"),
    ("www.Example.com", "example.com"),  # as typed in a site: filter
    ("bücher.example/politik", "xn--bcher-kva.example"),
    ("https://www.www.example.com/", "example.com"),
    ("urn:sha256:" + "0" * 64, ""),  # an imported page without an address
    ("", ""),
])
def test_site_key(value: str, site: str) -> None:
    assert site_key(value) == site


def test_an_article_is_filed_and_found_under_its_keyed_site(tmp_path: Path) -> None:
    """The stored site and the ``site:`` filter both come from capture.urls: a page at an
    IDN address with a trailing dot is found by its host as a reporter types it."""
    from capture.types import Extracted

    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        url = "https://www.xn--bcher-kva.example./politik/a"
        stored = archive.store_capture(fetched(url), Extracted(title="Wahl", text="Die Wahl."),
                                       ())
        data = archive.article(stored.article_id)
        assert data is not None and data["site"] == "xn--bcher-kva.example"
        engine = SqliteSearch(archive.db)
        for typed in ("site:bücher.example", "site:www.BÜCHER.example.",
                      "site:https://bücher.example/politik"):
            res = engine.search(typed + " is:article")
            assert res.error is None, res.error
            assert [h.id for h in res.hits] == [stored.article_id], typed
    finally:
        archive.close()
