"""J6 (export side): ClaimReview JSON-LD cannot close the ``<script>`` element it is
published in, and CSV cells that a spreadsheet could run are neutralised whatever
blanks or compatibility forms come before the formula sign (docs/reliability.md J6)."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.export import ExportOptions, Selection, export
from storage.export.csv_format import CsvSink, neutralise
from storage.models import Article, Claim

HOSTILE = '</script><script>alert(1)</script><!-- & \u2028\u2029 </SCRIPT >'


class _Scripts(HTMLParser):
    """The stdlib's tokenizer: counts script elements and keeps their text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append("")
            self._in = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.scripts[-1] += data


def test_claimreview_is_inert_inside_a_script_element(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    with archive.db.writer() as s:
        claim = s.scalars(select(Claim).where(Claim.article_id == ids[0])).first()
        claim.text = f"The wall {HOSTILE} is safe"
        claim.note = "<!-- note --> <script>"
        s.get(Article, ids[0]).title = f"Harbour {HOSTILE}"
    path = tmp_path / "c.jsonld"
    export(archive, Selection(article_ids=(ids[0],)), "claimreview", path,
           options=ExportOptions(reviewer=f"Desk {HOSTILE}"))
    body = path.read_text(encoding="utf-8")
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in body
    page = ("<!DOCTYPE html><html><head><title>Fact check</title>"
            f'<script type="application/ld+json">{body}</script></head>'
            "<body><p>Our review</p></body></html>")
    scripts = lxml.html.document_fromstring(page).xpath("//script")
    assert len(scripts) == 1
    parsed = json.loads(scripts[0].text)
    review = parsed["@graph"][0]
    assert review["claimReviewed"] == f"The wall {HOSTILE} is safe"
    assert review["reviewBody"] == "<!-- note --> <script>"
    assert review["itemReviewed"]["appearance"]["headline"] == f"Harbour {HOSTILE}"
    stdlib = _Scripts()
    stdlib.feed(page)
    assert len(stdlib.scripts) == 1 and json.loads(stdlib.scripts[0]) == parsed
    assert lxml.html.document_fromstring(page).xpath("//p")[0].text == "Our review"


# --------------------------------------------------------------------------- CSV

BLANKS = [" ", "\n", "\r", "\t", "\x0b", "\x0c", "\u00a0", "\u1680", "\u2000", "\u2007",
          "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b",
          "\u200e", "\u2060", "\ufeff", "\u0085"]
SIGNS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62",
         "\ufe63", "\ufe6b", "\u207c", "\u207a", "\u207b", "\u208c", "\u208a", "\u208b"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(BLANKS), max_size=12), st.sampled_from(SIGNS),
       st.text(max_size=40))
def test_csv_formula_after_any_blanks_or_compatibility_form_is_neutralised(
        prefix: list[str], sign: str, rest: str) -> None:
    value = "".join(prefix) + sign + rest
    cell = neutralise(value)
    assert cell == "'" + value.replace("\x00", "")
    buf = io.BytesIO()
    sink = CsvSink("sources", buf)
    sink.add({"id": 1, "title": "t", "sources": [
        {"name": value, "kind": "link", "url": None, "context": "c"}]})
    sink.finish()
    rows = list(csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig"), newline="")))
    assert rows[1][2] == cell  # read back as written: the leading ' keeps it text


def test_csv_plain_text_and_numbers_stay_as_they_are() -> None:
    assert neutralise(-5) == -5 and neutralise(-2.5) == -2.5 and neutralise(0) == 0
    for text in ("Council votes 5-2", "  indented text", "\u00a0(note)", "a = b", "",
                 "\u3000\u5e02\u8b70\u4f1a", "e-mail: x@y"):
        assert neutralise(text) == text
    assert neutralise(" " * 100 + "=1+1").startswith("'")


def test_csv_export_neutralises_prefixed_formulas(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    titles = ["\n=HYPERLINK(\"http://evil.example\")", "\u00a0 =1+1", "\uff1dcmd|' /C calc'!A0"]
    with archive.db.writer() as s:
        for aid, title in zip(ids, titles, strict=False):
            s.get(Article, aid).title = title
    path = tmp_path / "articles.csv"
    from storage.export import ExportOptions

    export(archive, Selection(article_ids=tuple(ids[:3])), "csv", path,
           options=ExportOptions(csv_kind="articles"))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        got = {row["title"] for row in csv.DictReader(fh)}
    assert {"'" + t for t in titles} <= got
