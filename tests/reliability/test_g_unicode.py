"""G1-G4: text in any script survives store -> read -> export -> import; NUL and lone
surrogates are handled at the boundary; search works in non-Latin scripts."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from capture.extract import extract
from capture.types import Extracted, QuoteItem
from storage.archive import Archive
from storage.search import SqliteSearch
from tests.reliability.helpers import fetched

RTL = "מועצת העיר אישרה את תקציב הנמל"  # Hebrew
ARABIC = "وافق مجلس المدينة على ميزانية الميناء"
BIDI = "Invoice \u202egnp.exe\u202c for \u2067שלום\u2069"  # RLO/PDF and an isolate
EMOJI = "Ferry 👩🏽‍✈️ captain 👨‍👩‍👧‍👦 family 🏳️‍🌈"
COMBINING = "Cafe\u0301 Zoe\u0308 n\u0303o"  # decomposed accents, kept as written
CJK = "港口预算获批 港湾予算が承認された 항구 예산 승인"
CYRILLIC = "Городской совет Брениха одобрил бюджет порта"
ALL = [RTL, ARABIC, BIDI, EMOJI, COMBINING, CJK, CYRILLIC]


def _unicode_extracted(text: str) -> Extracted:
    q = EMOJI
    start = text.find(q)
    return Extracted(title=f"{BIDI} | {RTL}", authors=[ARABIC, COMBINING], publisher=CJK,
                     language="he", text=text, reader_html=f"<p>{RTL}</p><p>{EMOJI}</p>",
                     quotes=[QuoteItem(q, CYRILLIC, None, "said", start, start + len(q))])


def test_g1_every_script_round_trips_store_read_export_import(tmp_path: Path) -> None:
    from storage.export import Selection, export, import_path

    text = "\n\n".join(ALL)
    with Archive.open(str(tmp_path / "a.db")) as archive:
        stored = archive.store_capture(fetched("https://news.example/unicode",
                                               text.encode("utf-8")), _unicode_extracted(text))
        data = archive.article(stored.article_id)
        assert data["title"] == f"{BIDI} | {RTL}"
        assert data["text"] == text  # byte-exact: no normalisation, no bidi stripping
        assert unicodedata.is_normalized("NFD", COMBINING) and COMBINING in data["text"]
        assert data["authors"] == [ARABIC, COMBINING]
        assert data["quotes"][0]["quote"] == EMOJI and data["quotes"][0]["speaker"] == CYRILLIC
        assert data["text"][data["quotes"][0]["start"]:data["quotes"][0]["end"]] == EMOJI
        out = tmp_path / "export.json"
        export(archive, Selection(all_articles=True), "json", out)
    with Archive.open(str(tmp_path / "b.db")) as other:
        import_path(other, out)
        (row,) = other.list_articles()
        again = other.article(row.id)
        assert again["text"] == data["text"]  # byte-exact, bidi controls kept in text
        # titles and names lose bidirectional controls on import (docs/reliability.md J6):
        # a title with U+202E reads backwards; every script itself survives
        from capture.extract.dom import strip_controls

        assert again["title"] == strip_controls(data["title"], bidi=True) == f"Invoice gnp.exe " \
            f"for שלום | {RTL}"
        assert again["publisher"] == data["publisher"]
        assert again["authors"] == data["authors"]
        assert again["quotes"][0]["quote"] == EMOJI


def test_g2_nul_stripped_from_text_raw_bytes_kept_and_words_searchable(tmp_path: Path) -> None:
    raw = (b"<html><body><article><h1>Harbour report</h1><p>The alpha\x00 omega council met "
           b"on Tuesday about the sea wall repairs in Saltmere.</p>"
           b"<p>Second\x00paragraph with the word zephyr.</p></article></body></html>")
    ex = extract(raw.decode(), "https://news.example/nul")
    assert "\x00" not in ex.text and "\x00" not in ex.reader_html
    assert "omega council" in ex.text
    ex.text += "\n\nStored directly: beta\x00 gamma"  # the storage boundary strips it too
    with Archive.open(str(tmp_path / "a.db")) as archive:
        stored = archive.store_capture(fetched("https://news.example/nul", raw), ex)
        data = archive.article(stored.article_id)
        assert "\x00" not in data["text"]
        assert archive.snapshot_bytes(data["captures"][0]["id"]) == raw  # evidence intact
        search = SqliteSearch(archive.db)
        for word in ("alpha", "omega", "beta", "gamma", "zephyr"):
            res = search.search(word)
            assert res.error is None and [h.article_id for h in res.hits] == [
                stored.article_id], word


def test_g2_c0_controls_in_fields_do_not_break_storage(tmp_path: Path) -> None:
    ex = Extracted(title="Title\x01with\x1bcontrols\x7f", text="Body \x0b text \x0c end",
                   authors=["Name\x00Surname"])
    with Archive.open(str(tmp_path / "a.db")) as archive:
        stored = archive.store_capture(fetched("https://news.example/c0"), ex)
        data = archive.article(stored.article_id)
        assert data["title"] == "Title\x01with\x1bcontrols\x7f"
        assert data["authors"] == ["NameSurname"]
        assert archive.integrity_check() == "ok"


def test_g3_lone_surrogates_replaced_at_the_storage_boundary(tmp_path: Path) -> None:
    bad = "Broken \ud800 title \udfff"
    ex = Extracted(title=bad, text=f"Body with {bad}", authors=[bad],
                   quotes=[QuoteItem(bad, bad, None, "said")])
    with Archive.open(str(tmp_path / "a.db")) as archive:
        stored = archive.store_capture(fetched("https://news.example/surrogate"), ex)
        data = archive.article(stored.article_id)
        assert data["title"] == "Broken \ufffd title \ufffd"
        assert data["authors"] == ["Broken \ufffd title \ufffd"]
        assert data["quotes"][0]["speaker"] == "Broken \ufffd title \ufffd"
        data["title"].encode("utf-8")  # strictly encodable everywhere


def test_g3_import_json_with_a_lone_surrogate_escape(tmp_path: Path) -> None:
    from storage.export import Selection, export, import_path

    with Archive.open(str(tmp_path / "a.db")) as archive:
        archive.store_capture(fetched("https://news.example/g3"), Extracted(
            title="PLACEHOLDER-TITLE", text="The ferry leaves at noon.", authors=["A B"]))
        out = tmp_path / "export.json"
        export(archive, Selection(all_articles=True), "json", out)
    doc = out.read_text(encoding="utf-8")
    assert doc.count("PLACEHOLDER-TITLE") >= 1
    doc = doc.replace("PLACEHOLDER-TITLE", "Lone \\ud800 surrogate \\udc00")
    json.loads(doc)  # valid JSON; the escapes decode to lone surrogates
    out.write_text(doc, encoding="utf-8")
    with Archive.open(str(tmp_path / "b.db")) as other:
        import_path(other, out)
        (row,) = other.list_articles()
        assert other.article(row.id)["title"] == "Lone \ufffd surrogate \ufffd"
        assert other.integrity_check() == "ok"


@pytest.fixture
def multilingual(tmp_path: Path) -> Archive:
    archive = Archive.open(str(tmp_path / "a.db"))
    for i, text in enumerate([CYRILLIC, RTL, ARABIC, EMOJI, CJK]):
        archive.store_capture(fetched(f"https://news.example/lang-{i}"),
                              Extracted(title=text[:30], text=text))
    yield archive
    archive.close()


@pytest.mark.parametrize("query, expected", [
    ("Брениха", 0), ("брениха", 0), ("СОВЕТ", 0), ("бюджет", 0),
    ("הנמל", 1), ("תקציב", 1), ("الميناء", 2), ("captain", 3),
])
def test_g4_search_in_non_latin_scripts(multilingual: Archive, query: str,
                                        expected: int) -> None:
    res = SqliteSearch(multilingual.db).search(query)
    assert res.error is None
    ids = multilingual.article_ids(sort="id", descending=False)
    assert [h.article_id for h in res.hits] == [ids[expected]]


@pytest.mark.parametrize("query", ["👩🏽‍✈️", "🏳️‍🌈", "\u202e", "‍", "\ufffd"])
def test_g4_emoji_and_invisible_queries_give_no_results_not_an_error(
        multilingual: Archive, query: str) -> None:
    res = SqliteSearch(multilingual.db).search(query)
    assert res.hits == []


# --------------------------------------------------------------------------- G5 invisible

ZW = "\u200b"  # ZERO WIDTH SPACE
INVISIBLE_PAGE = f"""<html><head><title>Harbour \u202eeef\u202c vote</title>
<meta name="author" content="Ja{ZW}ne Doe"><meta property="og:site_name" content="The \u2066Saltmere\u2069 Post">
</head><body><article><h1>Harbour \u202eeef\u202c vote</h1><p class="byline">By Ja{ZW}ne Doe</p>
<p>The council met on Tuesday to discuss the harbour fee for the coming season and beyond.</p>
<p>\u201cWe will not raise the fee this year,\u201d said Mar{ZW}ta\u00ad Ruiz\u2060, the harbour master.</p>
<p>\u201cThe fishermen deserve a break after a long winter of storms,\u201d said \ufeffJeremy \u202eHolt\u202c, a councillor.</p>
<p>The Persian word \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 keeps its joiner; so does the family 👨\u200d👩\u200d👧.</p>
<figure><img src="https://img.example/a.jpg" alt="The \u202equay\u202c"><figcaption>The quay at dawn.
Photo: Ann{ZW} Example/\u202eAP\u202c</figcaption></figure>
</article></body></html>"""

_INVISIBLE_OR_BIDI = set("\u200b\u2060\u00ad\ufeff\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                         "\u2066\u2067\u2068\u2069")


def _single_line_values(data: dict) -> list[str]:
    values = [data["title"], data["publisher"], data["description"], data["language"],
              *data["authors"]]
    for q in data["quotes"]:
        values += [q["speaker"], q["role"], q["cue"]]
    for s in data["sources"]:
        values += [s["name"], s["context"]]
    for c in data["photo_credits"]:
        values += [c["credit"], c["photographer"], c["provider"], c["caption"]]
    for i in data["images"]:
        values += [i["alt"], i["caption"], i["credit"]]
    return [v for v in values if v]


def test_g5_zero_width_characters_do_not_split_names() -> None:
    out = extract(INVISIBLE_PAGE, "https://news.example/harbour")
    assert out.authors == ["Jane Doe"]
    speakers = {q.speaker for q in out.quotes}
    assert speakers == {"Marta Ruiz", "Jeremy Holt"}, speakers
    for q in out.quotes:  # offsets point into the stored text, which has no invisibles
        assert out.text[q.start:q.end] == q.text
    assert not _INVISIBLE_OR_BIDI.intersection(out.text)
    assert "said Marta Ruiz, the harbour master" in out.text


def test_g5_bidi_controls_stripped_from_every_single_line_field() -> None:
    data = extract(INVISIBLE_PAGE, "https://news.example/harbour").to_json()
    assert data["title"] == "Harbour eef vote"
    assert data["publisher"] == "The Saltmere Post"
    values = _single_line_values(data)
    assert len(values) >= 8
    for value in values:
        assert not _INVISIBLE_OR_BIDI.intersection(value), repr(value)


def test_g5_joiners_kept_where_a_script_needs_them() -> None:
    out = extract(INVISIBLE_PAGE, "https://news.example/harbour")
    assert "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" in out.text
    assert "👨\u200d👩\u200d👧" in out.text
    from capture.extract.dom import clean_text

    assert clean_text("Jane\u200c Doe\u200d") == "Jane Doe"
