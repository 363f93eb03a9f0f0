"""Hostile and degenerate input: deep nesting, huge nodes, NUL, garbage, empty pages."""

from __future__ import annotations

import ast
import pathlib
import re
import time

import pytest

from capture import extract as extract_pkg
from capture.extract import extract
from capture.extract.dom import flatten_deep_markup, parse_html


@pytest.mark.timeout(120)
@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deep_nesting_goes_through_the_whole_pipeline(depth):
    html = ("<html><head><title>Deep</title></head><body>" + "<div>" * depth + "<p>" + "deep words " * 30
            + "</p>" + "</div>" * depth + "<p>" + "Text after the deep block, long enough to be a paragraph. " * 3
            + "</p></body></html>")
    ex = extract(html, "https://example.org/deep")
    assert "Text after the deep block" in ex.text
    assert "deep words" in ex.text


def test_flatten_keeps_text_and_caps_depth():
    out = flatten_deep_markup("<div>" * 300 + "x" + "</div>" * 300, max_depth=5)
    assert out.count("<div>") == 5 and out.count("</div>") == 5 and "x" in out


@pytest.mark.timeout(120)
def test_huge_text_node_is_not_truncated():
    big = "word " * 2_400_000  # 12 MB in one text node
    html = f"<html><body><article><p>{big}</p><p>The paragraph after the huge one is still here.</p></article></body></html>"
    root = parse_html(html)
    ps = root.findall(".//p")
    assert len(ps[0].text) == len(big)
    ex = extract(html, "https://example.org/huge")
    assert "The paragraph after the huge one is still here." in ex.text


def test_nul_characters_are_stripped():
    html = "<html><body><article><p>" + "Before\x00after the null byte in a sentence that is long enough. " * 4 + "</p></article></body></html>"
    ex = extract(html)
    assert "\x00" not in ex.text and "\x00" not in ex.reader_html
    assert "Beforeafter" in ex.text


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<html></html>", "<<<>>>", "not html at all", "\ufeff<!doctype html><html><body></body></html>",
     '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
     "<html><body><script>var a = '<p>not text</p>';</script></body></html>",
     "<p>" * 5000, "<table>" * 3000 + "<td>x"],
)
def test_degenerate_pages_never_raise(html):
    ex = extract(html, "https://example.org/x")
    assert isinstance(ex.text, str)
    assert "not text" not in ex.text


def test_empty_page_is_flagged():
    ex = extract("<html><body></body></html>")
    assert ex.text == "" and "no extractable text" in ex.warnings


def test_no_copy_pickle_prettify_or_recursive_walks_in_extraction_code():
    """Guard: untrusted trees are never copied, pickled, prettified or walked recursively."""
    src_dir = pathlib.Path(extract_pkg.__file__).parent
    for path in src_dir.glob("*.py"):
        src = path.read_text("utf-8")
        assert not re.search(r"\b(?:deepcopy|copy\.copy|pickle|prettify)\b", src), path.name
        for fn in ast.walk(ast.parse(src)):
            if not isinstance(fn, ast.FunctionDef) or fn.name == "_flatten_jsonld":
                continue  # _flatten_jsonld walks parsed JSON (not HTML), depth-bounded
            calls = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
            assert fn.name not in calls, f"{path.name}: {fn.name} calls itself"


@pytest.mark.timeout(120)
def test_huge_dom_skips_the_slow_second_opinion():
    filler = "".join(f'<span class="c{i % 97}">w{i}</span>' for i in range(100_000))
    html = ("<html><body><article><h1>Ferry timetable</h1><p>The ferry will leave twenty minutes earlier "
            f'from Monday.</p><div class="widget">{filler}</div><p>Closing paragraph here.</p></article></body></html>')
    t0 = time.perf_counter()
    ex = extract(html, "https://news.example/ferry")
    assert time.perf_counter() - t0 < 20
    assert "twenty minutes earlier" in ex.text and "Closing paragraph here." in ex.text
    assert "w99999" not in ex.text
