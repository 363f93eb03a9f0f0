"""Metadata from JSON-LD, OpenGraph/meta, microdata, <time> and visible bylines."""

from __future__ import annotations

import pytest

from capture.extract.dom import parse_html
from capture.extract.metadata import extract_metadata, normalize_date, split_byline


def meta(html: str, url: str | None = "https://www.example.org/news/story"):
    return extract_metadata(parse_html(html), url)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-03-08T14:12:44.118Z", "2024-03-08T14:12:44.118000+00:00"),
        ("2023-10-02T16:05:00-05:00", "2023-10-02T16:05:00-05:00"),
        ("2024-06-11", "2024-06-11"),
        ("20240611", "2024-06-11"),
        ("June 11, 2024", "2024-06-11"),
        ("Tue, 11 Jun 2024 15:47:03 GMT", "2024-06-11T15:47:03+00:00"),
        ("not a date", None),
        ("", None),
    ],
)
def test_normalize_date(raw, iso):
    assert normalize_date(raw) == iso


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Roe and John Doe", ["Jane Roe", "John Doe"]),
        ("By Jane Roe, John Doe and Ann Lee, Staff Writers", ["Jane Roe", "John Doe", "Ann Lee"]),
        ("By JANE ROE | Staff Writer", ["Jane Roe"]),
        ("By Jane Roe, Associated Press", ["Jane Roe"]),
        ("Jane Roe Updated 3:45 p.m.", ["Jane Roe"]),
        ("By Dr. Jane Roe", ["Jane Roe"]),
    ],
)
def test_split_byline(line, names):
    assert split_byline(line) == names


def test_jsonld_array_with_nested_author_and_publisher():
    md = meta("""<html><head><script type="application/ld+json">
    [{"@type":"WebSite","name":"x"},{"@type":"NewsArticle","headline":"Dam holds after record rain",
      "datePublished":"2024-04-02T08:00:00+02:00","dateModified":"2024-04-03T09:00:00+02:00",
      "author":[{"@type":"Person","name":"Lotte Brandt"},{"@type":"Person","givenName":"Ivo","familyName":"Sauer"}],
      "publisher":{"@type":"Organization","name":"Rhein Bote"}, "articleBody":"Full text."}]
    </script></head><body><h1>Dam holds after record rain</h1></body></html>""")
    assert md.title == "Dam holds after record rain"
    assert md.authors == ["Lotte Brandt", "Ivo Sauer"]
    assert md.published == "2024-04-02T08:00:00+02:00"
    assert md.modified == "2024-04-03T09:00:00+02:00"
    assert md.publisher == "Rhein Bote"
    assert md.article_body == "Full text."


def test_broken_jsonld_does_not_stop_other_sources():
    md = meta("""<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>
    <meta property="og:title" content="Storm closes ports"><meta property="og:site_name" content="Gulf Post">
    <meta name="parsely-pub-date" content="2024-08-30T10:00:00-05:00"><meta name="parsely-author" content="Ray Ortiz">
    </head><body><h1>Storm closes ports</h1></body></html>""")
    assert (md.title, md.publisher, md.authors) == ("Storm closes ports", "Gulf Post", ["Ray Ortiz"])
    assert md.published == "2024-08-30T10:00:00-05:00"


def test_citation_and_dublin_core_tags():
    md = meta("""<html><head><meta name="citation_title" content="Soil carbon in alpine meadows">
    <meta name="citation_author" content="Mira Koss"><meta name="citation_publication_date" content="2022/05/17">
    <meta name="dc.publisher" content="Alpine Research Letters"></head><body></body></html>""")
    assert md.title == "Soil carbon in alpine meadows"
    assert md.authors == ["Mira Koss"]
    assert md.published == "2022-05-17"
    assert md.publisher == "Alpine Research Letters"


def test_time_element_and_byline_text_without_structured_data():
    md = meta("""<html><head><title>Bridge reopens | Valley Times</title></head><body>
    <h1>Bridge reopens</h1><div class="byline">By Oona Park and Lev Adler</div>
    <time class="updated" datetime="2024-02-02">Updated Feb 2</time>
    <time datetime="2024-01-30T07:00:00-08:00">Jan 30</time><p>Text.</p></body></html>""")
    assert md.authors == ["Oona Park", "Lev Adler"]
    assert md.published == "2024-01-30T07:00:00-08:00"  # not the updated date
    assert md.publisher == "Valley Times"
    assert md.title == "Bridge reopens"


def test_organisation_author_is_not_a_writer_and_author_url_is_ignored():
    md = meta("""<html><head><meta property="article:author" content="https://www.facebook.com/someone">
    <script type="application/ld+json">{"@type":"NewsArticle","headline":"H","author":{"@type":"Organization","name":"Wire Desk"}}</script>
    </head><body><h1>H</h1></body></html>""")
    assert md.authors == []


def test_publisher_falls_back_to_the_host():
    md = meta("<html><body><h1>Hello</h1></body></html>", "https://www.smalltown-news.example/a")
    assert md.publisher == "smalltown-news.example"


def test_utc_timestamp_yields_to_the_printed_day():
    md = meta("""<html><head><meta property="article:published_time" content="2024-03-14T03:10:00Z">
    </head><body><h1>Late vote</h1><p class="date">March 13, 2024</p><p>Text of the story.</p></body></html>""")
    assert md.published == "2024-03-13"


def test_publisher_from_footer_copyright_or_logo():
    md = meta("<html><body><h1>T</h1><div class='footer'>Copyright © 2024 The Hollow Creek Herald. All rights reserved.</div></body></html>")
    assert md.publisher == "The Hollow Creek Herald"
    md = meta("<html><body><a href='/'><img src='/m.gif' alt='The Ridgeway Record'></a><h1>T</h1></body></html>")
    assert md.publisher == "The Ridgeway Record"
