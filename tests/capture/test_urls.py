"""URL intake: finding URLs in pasted text, normalising them, the dedupe key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.urls import (
    MAX_URL_LENGTH,
    TRACKING_PARAMS,
    UrlError,
    canonical_key,
    find_urls,
    normalise,
)

# --------------------------------------------------------------------------------------
# normalise
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://example.com", "https://example.com/"),
    ("  https://example.com/a  \n", "https://example.com/a"),
    ("HTTPS://Example.COM/Path", "https://example.com/Path"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com/a#section-2", "https://example.com/a"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("https://trusted.example@evil.example/a", "https://evil.example/a"),
    ("https://example.com/a?utm_source=tw&utm_medium=social&id=7&fbclid=XYZ", "https://example.com/a?id=7"),
    ("https://example.com/a?gclid=1&UTM_Campaign=x&mc_cid=2&igshid=3", "https://example.com/a"),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/%7euser/%2fx", "https://example.com/~user/%2Fx"),
    ("https://example.com/a b/ü", "https://example.com/a%20b/%C3%BC"),
    ("https://example.com/100%", "https://example.com/100%25"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
    ("https://ＥＸＡＭＰＬＥ.com/", "https://example.com/"),
    ("http://2130706433/", "http://2130706433/"),
    ("http://0x7f.1/", "http://0x7f.1/"),
    ("http://[::FFFF:127.0.0.1]:8080/", "http://[::ffff:7f00:1]:8080/"),
    ("https://example.com?q=1", "https://example.com/?q=1"),
])
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected
    assert normalise(expected) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("", "invalid URL: empty"),
    ("   ", "invalid URL: empty"),
    ("file:///etc/passwd", "only http and https pages can be captured: file:///etc/passwd"),
    ("javascript:alert(1)", "only http and https"),
    ("data:text/html,<b>x</b>", "only http and https"),
    ("ftp://example.com/file", "only http and https"),
    ("about:blank", "only http and https"),
    ("htp:/x", "only http and https"),
    ("example.com/a", "missing http:// or https://"),
    ("http:/example.com", "expected '//'"),
    ("https://exa\nmple.com/", "line break or control character"),
    ("https://example.com/a\tb", "line break or control character"),
    ("https://exa mple.com/", "bad host name"),
    ("http://[::1/", "unbalanced '['"),
    ("http://exa[mple.com/", "unbalanced '['"),
    ("http:///path", "no host name"),
    ("http://example.com:99999/", "bad port"),
    ("http://example.com:abc/", "bad port"),
    ("http://evil.example\\@good.example/", "backslash"),
    ("https://" + "a" * MAX_URL_LENGTH, "longer than 8 KB"),
])
def test_normalise_refuses_with_one_line_reason(raw: str, message: str) -> None:
    with pytest.raises(UrlError) as info:
        normalise(raw)
    text = str(info.value)
    assert message in text
    assert "\n" not in text and len(text) < 200


def test_url_error_is_a_value_error() -> None:
    assert issubclass(UrlError, ValueError)
    with pytest.raises(ValueError):
        normalise(None)  # type: ignore[arg-type]


def test_tracking_params_are_documented_and_dropped() -> None:
    for name in TRACKING_PARAMS:
        assert normalise(f"https://example.com/a?{name}=1&keep=1") == "https://example.com/a?keep=1"


# --------------------------------------------------------------------------------------
# canonical_key
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "https://example.com/news/story",
    "http://example.com/news/story",
    "https://www.example.com/news/story",
    "https://EXAMPLE.com:443/news/story/",
    "https://example.com/news/story?utm_source=newsletter#comments",
    "https://example.com/news/story?fbclid=abc&gclid=def",
    "https://example.com/news/story/amp",
    "https://example.com/news/story/amp/",
    "https://example.com/news/story?amp=1",
    "https://example.com/news/story?outputType=amp",
    "https://example.com./news/story",
])
def test_variants_share_a_key(variant: str) -> None:
    assert canonical_key(variant) == "https://example.com/news/story"


def test_idn_and_punycode_share_a_key() -> None:
    assert canonical_key("https://bücher.example/a") == canonical_key("https://xn--bcher-kva.example/a")


def test_query_order_does_not_matter_but_values_do() -> None:
    assert canonical_key("https://e.example/s?b=2&a=1") == canonical_key("https://e.example/s?a=1&b=2")
    assert canonical_key("https://e.example/s?id=1") != canonical_key("https://e.example/s?id=2")


@pytest.mark.parametrize(("a", "b"), [
    ("https://example.com/a", "https://example.com/b"),
    ("https://example.com/Story", "https://example.com/story"),  # paths are case-sensitive
    ("https://news.example.com/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com/a"),
    ("https://example.com/ampersand", "https://example.com/"),
])
def test_different_pages_keep_different_keys(a: str, b: str) -> None:
    assert canonical_key(a) != canonical_key(b)


def test_canonical_key_amp_html_variant() -> None:
    assert canonical_key("https://example.com/2026/story.amp.html") == "https://example.com/2026/story.html"


def test_canonical_key_refuses_like_normalise() -> None:
    with pytest.raises(UrlError, match="only http and https"):
        canonical_key("file:///etc/passwd")


# --------------------------------------------------------------------------------------
# find_urls
# --------------------------------------------------------------------------------------


def _urls(text: str) -> list[str | None]:
    return [c.url for c in find_urls(text)]


def test_one_per_line_keeps_order() -> None:
    text = "https://b.example/2\nhttps://a.example/1\n\nhttps://c.example/3\r\n"
    assert _urls(text) == ["https://b.example/2", "https://a.example/1", "https://c.example/3"]


def test_prose_trailing_punctuation_and_quotes() -> None:
    text = ('Read https://example.com/story. Then "https://example.com/q?x=1", and '
            "(https://example.com/p); finally https://example.com/end! Or https://example.com/s?"
            " “https://example.com/curly”")
    assert _urls(text) == [
        "https://example.com/story", "https://example.com/q?x=1", "https://example.com/p",
        "https://example.com/end", "https://example.com/s", "https://example.com/curly",
    ]


def test_balanced_parentheses_stay() -> None:
    text = "See https://en.wikipedia.org/wiki/Mercury_(planet), or (https://en.wikipedia.org/wiki/Pluto_(dwarf_planet))."
    assert _urls(text) == [
        "https://en.wikipedia.org/wiki/Mercury_(planet)",
        "https://en.wikipedia.org/wiki/Pluto_(dwarf_planet)",
    ]


def test_markdown_angle_brackets_and_html() -> None:
    text = ('A [story](https://example.com/a?utm_source=x) and <https://example.com/b> and '
            '<a href="https://example.com/c?x=1&amp;y=2">c</a> '
            "<a href='https://example.com/d'>d</a>")
    assert _urls(text) == ["https://example.com/a", "https://example.com/b",
                           "https://example.com/c?x=1&y=2", "https://example.com/d"]


def test_markdown_link_with_parentheses_in_url() -> None:
    assert _urls("[Mercury](https://en.wikipedia.org/wiki/Mercury_(planet))") == [
        "https://en.wikipedia.org/wiki/Mercury_(planet)"]


def test_bare_hosts_are_offered_with_https() -> None:
    found = find_urls("Try www.example.com/news/1, also example.org/a/b and example.net alone.")
    assert [(c.raw, c.url, c.offered_fix) for c in found] == [
        ("www.example.com/news/1", "https://www.example.com/news/1", True),
        ("example.org/a/b", "https://example.org/a/b", True),
    ]


def test_bare_host_alone_on_its_line() -> None:
    found = find_urls("bbc.example\n//cdn.example/x")
    assert [(c.url, c.offered_fix) for c in found] == [
        ("https://bbc.example/", True), ("https://cdn.example/x", True)]


def test_names_in_prose_are_not_urls() -> None:
    assert find_urls("Reuters.com said on Tuesday, e.g. at 10:30, that U.S. data: fine.") == []
    assert find_urls("write to press@example.com today") == []


def test_refused_urls_carry_a_reason() -> None:
    found = find_urls("file:///etc/passwd\nhtp:/x\njavascript:alert(1)\nhttps://ok.example/")
    assert [c.url for c in found] == [None, None, None, "https://ok.example/"]
    assert all("only http and https" in (c.error or "") for c in found[:3])
    assert found[0].raw == "file:///etc/passwd"


def test_cjk_punctuation_after_a_url() -> None:
    assert _urls("见 https://example.com/新闻。然后") == ["https://example.com/%E6%96%B0%E9%97%BB"]


def test_idn_in_text() -> None:
    assert _urls("Quelle: https://bücher.example/neu") == ["https://xn--bcher-kva.example/neu"]


def test_empty_and_odd_input() -> None:
    assert find_urls("") == []
    assert find_urls("   \n\t\n") == []
    assert find_urls(None) == []  # type: ignore[arg-type]


def test_long_line_is_bounded() -> None:
    text = "x" * 2_000_000 + " https://late.example/"
    assert find_urls(text) == []  # past the first million characters of one line
    assert _urls("https://a.example/ " + "y" * 100) == ["https://a.example/"]


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------

_url_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
_hosts = st.one_of(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,10}(\.[A-Za-z]{2,6}){1,2}", fullmatch=True),
    st.text(alphabet="abcdüéк中.-_", min_size=1, max_size=15),
    st.sampled_from(["[::1]", "[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "[", "a..b"]),
)
_url_like = st.builds(
    lambda scheme, userinfo, host, port, path, query, frag: (
        f"{scheme}://{userinfo}{host}{port}{path}{query}{frag}"),
    st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp", "file"]),
    st.sampled_from(["", "user@", "u:p@", "a@b@"]),
    _hosts,
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":x"]),
    st.text(alphabet=_url_chars, max_size=30).map(lambda s: "/" + s if s else ""),
    st.lists(st.sampled_from(["a=1", "utm_source=x", "b=%7e", "%zz", "amp=1", "c=ü", ""]),
             max_size=4).map(lambda parts: ("?" + "&".join(parts)) if parts else ""),
    st.sampled_from(["", "#x", "#"]),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _url_like))
def test_normalise_only_raises_url_error_and_is_idempotent(text: str) -> None:
    try:
        once = normalise(text)
    except UrlError as err:
        assert "\n" not in str(err)
        return
    assert normalise(once) == once
    assert canonical_key(once) == canonical_key(text)
    assert once.startswith(("http://", "https://"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), _url_like), max_size=6).map(" \n".join))
def test_find_urls_never_raises(text: str) -> None:
    for candidate in find_urls(text):
        assert (candidate.url is None) != (candidate.error is None)
        if candidate.url is not None:
            assert normalise(candidate.url) == candidate.url


# --------------------------------------------------------------------------------------
# near misses of http(s): the refusal suggests the likely fix (issue 22)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "meant"), [
    ("htps://news.example/a", "https://news.example/a"),
    ("htp://news.example/a", "http://news.example/a"),
    ("hhtp://news.example/a", "http://news.example/a"),
    ("httsp://news.example/a", "https://news.example/a"),
    ("http:/news.example/a", "http://news.example/a"),
    ("https//news.example/a", "https://news.example/a"),
    ("http;//news.example/a", "http://news.example/a"),
    ("hxxps://news.example/a", "https://news.example/a"),
])
def test_near_miss_scheme_suggests_the_fix(typed: str, meant: str) -> None:
    with pytest.raises(UrlError) as err:
        normalise(typed)
    assert err.value.suggestion == meant
    assert str(err.value).endswith(f"did you mean {meant}?")
    assert "\n" not in str(err.value) and len(str(err.value)) < 200
    (cand,) = find_urls(f"read {typed} today" if " " not in typed and "//" in typed
                        and ":" in typed else typed)
    assert cand.url is None and cand.suggestion == meant and "did you mean" in cand.error


@pytest.mark.parametrize("typed", ["ftp://files.example/a", "file:///etc/passwd",
                                   "mailto:desk@paper.example", "javascript:alert(1)",
                                   "htps://exa mple"])
def test_other_schemes_get_no_suggestion(typed: str) -> None:
    with pytest.raises(UrlError) as err:
        normalise(typed)
    assert err.value.suggestion is None and "did you mean" not in str(err.value)
