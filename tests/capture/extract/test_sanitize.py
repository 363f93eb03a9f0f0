"""Reader HTML sanitising: strict allow-list, URL resolution, idempotence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from capture.extract.sanitize import sanitize_reader_html

BASE = "https://news.example.com/2024/05/story.html"


def test_allow_list_and_attributes():
    html = ('<div class="x"><p style="color:red" onclick="evil()">Hi <b>there</b> <span>you</span></p>'
            '<script>alert(1)</script><style>p{}</style><iframe src="https://x"></iframe>'
            '<meta http-equiv="refresh" content="0"><base href="https://evil"><link rel="stylesheet" href="x">'
            '<h1>Big</h1><h2 id="s">Sub</h2><table><tr><td>cell</td></tr></table></div>')
    out = sanitize_reader_html(html, BASE)
    assert out == "<p>Hi <b>there</b> you</p>Big<h2>Sub</h2>cell"


def test_urls_resolved_and_dangerous_schemes_dropped():
    html = ('<p><a href="/about">rel</a> <a href="javascript:alert(1)">js</a> <a href="mailto:a@b.c">m</a>'
            '<img src="img/a.jpg" alt="A"><img src="data:image/png;base64,AAAA"><img src="file:///etc/passwd">'
            '<a href="//cdn.example.net/x">proto</a></p>')
    out = sanitize_reader_html(html, BASE)
    assert '<a href="https://news.example.com/about">rel</a>' in out
    assert "javascript" not in out and "data:" not in out and "file:" not in out
    assert '<a href="mailto:a@b.c">m</a>' in out
    assert '<img src="https://news.example.com/2024/05/img/a.jpg" alt="A">' in out
    assert '<a href="https://cdn.example.net/x">proto</a>' in out


def test_relative_urls_without_a_base_are_dropped():
    out = sanitize_reader_html('<p><a href="/x">x</a><img src="y.jpg"></p>', None)
    assert "href" not in out and "src" not in out


def test_empty_and_nul():
    assert sanitize_reader_html("", BASE) == ""
    assert "\x00" not in sanitize_reader_html("<p>a\x00b</p>", BASE)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list('<>/="\' abpimgsrchef:jv&;#x0123') + [
    "<p>", "<a href=", "<img src=", "</a>", "<script>", "javascript:", "&amp;", "<b>", "</p>", "<br>",
    "../x", "//h/x", "<h2>", "<li>", "<ul>", "<div>", "<!--", "-->"]), max_size=60).map("".join))
def test_idempotent(fragment):
    once = sanitize_reader_html(fragment, BASE)
    assert sanitize_reader_html(once, BASE) == once
    assert "<script" not in once.lower()


def test_hostile_page_through_the_whole_extraction():
    import re

    from capture.extract import extract

    html = """<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">
    <link rel="stylesheet" href="https://evil.example/x.css"><style>body{background:url(https://evil.example/t.gif)}</style>
    <script>document.location='https://evil.example'</script></head>
    <body onload="steal()"><article><h1>Harbor report</h1>
    <p style="background:url(https://evil.example/p.gif)">The harbor commission met on <b onclick="x()">Tuesday</b> and
    <a href="javascript:alert(1)">voted</a> to <a href="/minutes">publish the minutes</a> of its closed sessions from 2023.</p>
    <p>Members said the records <iframe src="https://evil.example/frame"></iframe> would be online within a month.
    <img src="https://cdn.example.org/a.jpg" onerror="steal()"><img src="file:///etc/passwd"><img src="data:image/png;base64,AAAA"></p>
    <object data="x.swf"></object><embed src="y.swf"><form action="https://evil.example"><input name="q"></form>
    <svg onload="steal()"><script>alert(1)</script></svg>
    <p>The commission's next meeting is on <span style="position:fixed">March 3</span>, officials said on Wednesday.</p>
    </article></body></html>"""
    ex = extract(html, "https://news.example.org/harbor")
    out = ex.reader_html
    for bad in ("<script", "javascript:", "<iframe", "<meta", "<base", "<link", "url(", "<object", "<embed",
                "<form", "<svg", "file:", "data:", "style="):
        assert bad not in out.lower()
    assert not re.search(r"\son\w+=", out)
    assert '<a href="https://news.example.org/minutes">publish the minutes</a>' in out
    assert "evil.example" not in out
    assert "document.location" not in ex.text and "alert(1)" not in ex.text
    assert "The harbor commission met on Tuesday and voted to publish the minutes" in ex.text
