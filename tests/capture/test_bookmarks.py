"""Bookmark files as browsers write them: links in order, folders as tags, dates kept.

The files are written here in the shapes Firefox and Chrome export (``<DT>`` and
``<p>`` never closed), and read with both of BeautifulSoup's parsers used.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from capture.bookmarks import parse_date, read_bookmarks

FIREFOX = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file.
     It will be read and overwritten.
     DO NOT EDIT! -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'none'; img-src data: *; object-src 'none'"></meta>
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks Menu</H1>

<DL><p>
    <DT><H3 ADD_DATE="1700000000" LAST_MODIFIED="1700000900">Politics</H3>
    <DL><p>
        <DT><A HREF="https://ledger.example/budget" ADD_DATE="1700000100" LAST_MODIFIED="1700000101">Budget &amp; cuts</A>
        <DT><H3 ADD_DATE="1700000200" LAST_MODIFIED="1700000300">Elections 2026</H3>
        <DL><p>
            <DT><A HREF="https://herald.example/poll" ADD_DATE="1700000400">Poll</A>
            <DD>What the poll said
        </DL><p>
        <DT><A HREF="https://ledger.example/mayor">Mayor</A>
    </DL><p>
    <DT><H3 ADD_DATE="1700000000" LAST_MODIFIED="1700000000" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks Toolbar</H3>
    <DL><p>
        <DT><A HREF="https://post.example/ferry" ADD_DATE="1700000500">Ferry</A>
        <DT><A HREF="place:sort=8&maxResults=10">Most visited</A>
    </DL><p>
    <HR>    <DT><H3 ADD_DATE="1700000000" LAST_MODIFIED="1700000000" UNFILED_BOOKMARKS_FOLDER="true">Other Bookmarks</H3>
    <DL><p>
        <DT><A HREF="https://post.example/harbour" ADD_DATE="1700000600">Harbour</A>
    </DL><p>
</DL>
"""

CHROME = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file.
     It will be read and overwritten.
     DO NOT EDIT! -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
    <DT><H3 ADD_DATE="1690000000" LAST_MODIFIED="1690000500" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>
    <DL><p>
        <DT><A HREF="https://a.example/one" ADD_DATE="1690000100" ICON="data:image/png;base64,iVBORw0KGgo=">One</A>
        <DT><H3 ADD_DATE="1690000200" LAST_MODIFIED="1690000300">Investigations</H3>
        <DL><p>
            <DT><H3 ADD_DATE="1690000200" LAST_MODIFIED="1690000300">Harbour &lt;fraud&gt;</H3>
            <DL><p>
                <DT><A HREF="https://b.example/two" ADD_DATE="1690000400">Two</A>
            </DL><p>
            <DT><A HREF="https://b.example/three" ADD_DATE="0">Three</A>
        </DL><p>
    </DL><p>
    <DT><H3 ADD_DATE="1690000000" LAST_MODIFIED="0">Other bookmarks</H3>
    <DL><p>
        <DT><A HREF="https://c.example/four" ADD_DATE="1690000600">Four</A>
    </DL><p>
</DL><p>
"""


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


PARSERS = ["lxml", "html.parser"]


@pytest.mark.parametrize("parser", PARSERS)
def test_firefox_export(parser: str) -> None:
    marks = read_bookmarks(FIREFOX, parser=parser)
    assert [(m.url, m.title, m.folders, m.added) for m in marks] == [
        ("https://ledger.example/budget", "Budget & cuts", ("Politics",), _at(1700000100)),
        ("https://herald.example/poll", "Poll", ("Politics", "Elections 2026"),
         _at(1700000400)),
        ("https://ledger.example/mayor", "Mayor", ("Politics",), None),
        ("https://post.example/ferry", "Ferry", (), _at(1700000500)),
        ("place:sort=8&maxResults=10", "Most visited", (), None),
        ("https://post.example/harbour", "Harbour", (), _at(1700000600)),
    ]


@pytest.mark.parametrize("parser", PARSERS)
def test_chrome_export(parser: str) -> None:
    marks = read_bookmarks(CHROME, parser=parser)
    assert [(m.url, m.folders, m.added) for m in marks] == [
        ("https://a.example/one", (), _at(1690000100)),
        ("https://b.example/two", ("Investigations", "Harbour <fraud>"), _at(1690000400)),
        ("https://b.example/three", ("Investigations",), None),  # ADD_DATE="0"
        ("https://c.example/four", (), _at(1690000600)),
    ]


def test_default_parser_reads_the_same() -> None:
    assert read_bookmarks(CHROME) == read_bookmarks(CHROME, parser="html.parser")


@pytest.mark.parametrize(("value", "expected"), [
    ("1700000100", _at(1700000100)),
    ("1700000100123", _at(1700000100)),  # milliseconds
    ("1700000100123456", _at(1700000100)),  # microseconds
    ("0", None), ("", None), ("soon", None), ("-5", None), ("9" * 40, None), (None, None),
])
def test_dates(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("parser", PARSERS)
def test_a_large_flat_export_stays_linear(parser: str) -> None:
    """Unclosed <DT>s (and <DD> descriptions) nest in both parsers; 20,000 of them used to
    take minutes."""
    links = "".join(f'<DT><A HREF="https://x.example/{i}" ADD_DATE="1700000000">{i}</A>\n'
                    f"<DD>note {i}\n" for i in range(20_000))
    marks = read_bookmarks(f"<DL><p>\n<DT><H3>Big</H3>\n<DL><p>\n{links}</DL><p>\n</DL>",
                           parser=parser)
    assert len(marks) == 20_000
    assert marks[-1].url == "https://x.example/19999" and marks[-1].folders == ("Big",)
