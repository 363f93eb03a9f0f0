"""A1-A5: URL input. Malformed and foreign URLs never open a socket; credentials are
never sent; local and private targets are blocked on the resolved address, on every
hop; variants of one article share one key, and concurrent adds make one job.

Unit cases of the parser itself live in ``tests/capture/test_urls.py``; here each row
is checked where it matters: at the fetcher, the CLI and the archive.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from capture.fetch import Fetcher, FetchError
from capture.netpolicy import AddressPolicy
from capture.settings import Settings
from capture.urls import UrlError, canonical_key, find_urls, normalise
from desktop.cli import main as cli_main
from storage.archive import Archive
from tests.support.servers import RawServer, http_response, path_of

FAST = Settings(retries=0, connect_timeout=2, read_timeout=3, total_deadline=5)


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every ``socket.connect`` attempt, whatever its target (on top of the loopback guard)."""
    seen: list[object] = []
    real = socket.socket.connect

    def counting(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            seen.append(address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", counting)
    yield seen


def local_fetcher(server_port: int | None = None, *, allow_local: bool = False) -> Fetcher:
    """A fetcher for which the test server on 127.0.0.1:port plays a public site."""
    trusted = frozenset({("127.0.0.1", server_port)}) if server_port else frozenset()
    return Fetcher(FAST.with_values(allow_local_network=allow_local),
                   policy=AddressPolicy(allow_local_network=allow_local,
                                        trusted_endpoints=trusted), backoff=0.01)


# --------------------------------------------------------------------------- A1 malformed

MALFORMED = [
    ("", "empty"),
    ("   \t  ", "empty"),
    ("htp:/x", "only http and https"),
    ("http:/x.example/a", "expected '//'"),
    ("https://" + "a" * 9000 + ".example/", "longer than 8 KB"),
    ("https://news.example/a\r\nHost: evil.example", "line break or control character"),
    ("https://news.example/a\nb", "line break or control character"),
    ("http://[::1/a", "unbalanced '['"),
    ("http://exa mple.com/", "bad host name"),
    ("https://:80/", "no host name"),
    ("https://news.example:99999/", "bad port"),
]


@pytest.mark.parametrize("raw, reason", MALFORMED)
def test_a1_malformed_url_is_refused_before_any_socket(raw: str, reason: str,
                                                       connects: list[object]) -> None:
    with pytest.raises(UrlError) as err:
        normalise(raw)
    assert reason in str(err.value)
    assert str(err.value).startswith(("invalid URL", "only http and https"))
    assert "\n" not in str(err.value) and len(str(err.value)) < 200
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as ferr:
        fetcher.fetch(raw)
    assert ferr.value.code == "invalid_url"
    assert connects == []


def test_a1_whitespace_trimmed_and_schemeless_offered_https() -> None:
    assert normalise("  https://news.example/a  \n") == "https://news.example/a"
    (cand,) = find_urls("news.example/2026/harbour-wall")
    assert cand.offered_fix and cand.url == "https://news.example/2026/harbour-wall"


def test_a1_cli_refuses_malformed_input_and_stores_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], connects: list[object]) -> None:
    db = tmp_path / "archive.db"
    code = cli_main(["add", "--db", str(db), "htp:/x", "javascript:alert(1)",
                     "http://[::1/a"])
    err = capsys.readouterr().err
    assert code != 0
    assert "only http and https" in err and "invalid URL" in err
    assert connects == []
    if db.exists():  # nothing queued, nothing stored
        with Archive.open(str(db)) as archive:
            assert archive.jobs() == [] and archive.count_articles() == 0


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=60))  # surrogates and controls included
def test_a1_parser_raises_nothing_but_url_error(text: str) -> None:
    for candidate in (text, "https://" + text, "http://news.example/" + text):
        try:
            normalise(candidate)
            canonical_key(candidate)
        except UrlError as err:
            assert "\n" not in str(err)
    find_urls(text)


# --------------------------------------------------------------------------- A2 schemes


@pytest.mark.parametrize("raw", [
    "file:///etc/passwd", "javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
    "ftp://files.example/pub/a.html", "about:blank", "FILE://localhost/etc/hostname",
])
def test_a2_other_schemes_are_refused(raw: str, connects: list[object]) -> None:
    with pytest.raises(UrlError, match="only http and https"):
        normalise(raw)
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch(raw)
    assert err.value.code == "invalid_url"
    assert connects == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)",
                                    "data:text/html;base64,PHA+aGk8L3A+", "ftp://x.example/a"])
def test_a2_redirect_to_another_scheme_fails_with_the_chain(target: str) -> None:
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(http_response(b"", 302, headers={"Location": target}))

    with RawServer(handler) as server, local_fetcher(server.port) as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.fetch(server.url("/story"))
        assert err.value.code == "bad_redirect"
        assert "only http and https" in str(err.value)
        assert err.value.redirects == [(server.url("/story"), 302)]
        assert server.request_count == 1


# --------------------------------------------------------------------------- A3 userinfo


def test_a3_credentials_in_the_url_are_never_sent() -> None:
    page = b"<html><body><p>Secret council minutes</p></body></html>"
    with RawServer(lambda c, h, s: c.sendall(http_response(page))) as server, \
            local_fetcher(server.port) as fetcher:
        url = f"http://editor:hunter2@127.0.0.1:{server.port}/minutes"
        result = fetcher.fetch(url)
        head = server.requests[0].lower()
        assert b"authorization" not in head
        assert b"hunter2" not in head and b"editor" not in head
        assert "hunter2" not in result.final_url and "@" not in result.requested_url
    assert normalise("https://trusted.example@evil.example/a") == "https://evil.example/a"


# --------------------------------------------------------------------------- A4 local targets


def test_a4_public_site_redirecting_to_localhost_is_blocked(connects: list[object]) -> None:
    secret_hits: list[str] = []

    def secret(conn: socket.socket, head: bytes, server: RawServer) -> None:
        secret_hits.append(path_of(head))
        conn.sendall(http_response(b"<p>router admin</p>"))

    with RawServer(secret) as inner:
        def public(conn: socket.socket, head: bytes, server: RawServer) -> None:
            conn.sendall(http_response(b"", 302, headers={
                "Location": f"http://localhost:{inner.port}/secret"}))

        with RawServer(public) as outer:
            # Even with the local-network override on: a public hop may never go local.
            for allow in (False, True):
                with local_fetcher(outer.port, allow_local=allow) as fetcher, \
                        pytest.raises(FetchError) as err:
                    fetcher.fetch(outer.url("/story"))
                assert err.value.code == "blocked_address"
                assert "127.0.0.1" in str(err.value)
                assert err.value.redirects == [(outer.url("/story"), 302)]
    assert secret_hits == []
    assert all(addr[1] != inner.port for addr in connects)  # type: ignore[index]


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1",
                                  "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254", "10.1.2.3",
                                  "192.168.0.1", "0.0.0.0", "[fe80::1]", "100.64.0.1"])
def test_a4_local_and_numeric_alias_targets_blocked_without_connecting(
        host: str, connects: list[object]) -> None:
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch(f"http://{host}/latest/meta-data/")
    assert err.value.code == "blocked_address"
    assert "Allow local network addresses" in str(err.value)
    assert connects == []


def test_a4_dns_name_resolving_to_loopback_is_blocked(monkeypatch: pytest.MonkeyPatch,
                                                      connects: list[object]) -> None:
    def resolver(host: object, port: object, *args: object, **kwargs: object) -> list:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch("http://evil.test/steal")
    assert err.value.code == "blocked_address"
    assert "evil.test is 127.0.0.1" in str(err.value)
    assert connects == []


def test_a4_override_allows_local_pages_and_is_recorded(httpserver: HTTPServer,
                                                        tmp_path: Path) -> None:
    httpserver.expect_request("/intranet/memo").respond_with_data(
        "<html><body><article><h1>Memo</h1><p>Staff meeting moved to Thursday at the "
        "Linden Falls office.</p></article></body></html>", content_type="text/html")
    url = httpserver.url_for("/intranet/memo")
    with local_fetcher(allow_local=False) as fetcher, pytest.raises(FetchError) as err:
        fetcher.fetch(url)
    assert err.value.code == "blocked_address"
    with local_fetcher(allow_local=True) as fetcher:
        result = fetcher.fetch(url)
    assert result.local_network_allowed is True
    from capture.extract import extract

    with Archive.open(str(tmp_path / "a.db")) as archive:
        stored = archive.store_capture(result, extract(result.html, result.final_url))
        cap = archive.article(stored.article_id)["captures"][0]
        assert cap["local_network_allowed"] is True


# --------------------------------------------------------------------------- A5 variants

VARIANTS = [
    "https://www.News.Example/2026/harbour-wall/?utm_source=tw&utm_medium=social",
    "http://news.example/2026/harbour-wall",
    "https://news.example:443/2026/harbour-wall#comments",
    "https://NEWS.EXAMPLE/2026/harbour-wall/?fbclid=IwAR0x",
    "https://news.example/2026/harbour-wall?gclid=abc",
    "https://news.example/2026/./harbour-wall/amp/",
    "https://news.example./2026/harbour-wall",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a5_variants_share_one_key(variant: str) -> None:
    assert canonical_key(variant) == "https://news.example/2026/harbour-wall"


def test_a5_idn_and_punycode_share_one_key() -> None:
    assert canonical_key("https://zeitung-müller.example/a") == canonical_key(
        "https://xn--zeitung-mller-4ob.example/a")


_keys = st.builds(
    lambda host, segs, q: f"https://{host}/{'/'.join(segs)}{q}",
    st.sampled_from(["news.example", "www.news.example", "www.www.news.example", "NEWS.example.",
                     "bücher.example", "[::1]", "news.example:8443"]),
    st.lists(st.sampled_from(["a", "amp", "x.amp", "b.amp.html", "", ".", "..", "%7e", "ü",
                              "amp.amp"]), max_size=5),
    st.sampled_from(["", "?amp=1", "?b=2&a=1", "?utm_source=x", "?outputType=amp&amp", "#f"]),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_keys, st.text(max_size=40).map(lambda t: "https://news.example/" + t)))
def test_a5_normalise_and_key_are_idempotent(url: str) -> None:
    try:
        once = normalise(url)
        key = canonical_key(url)
    except UrlError:
        return
    assert normalise(once) == once
    assert canonical_key(key) == key  # a stored key pasted again finds its article
    assert canonical_key(once) == key


@pytest.mark.timeout(30)
def test_a5_two_threads_adding_the_same_url_make_one_job(tmp_path: Path) -> None:
    with Archive.open(str(tmp_path / "a.db")) as archive:
        for round_no in range(5):
            barrier = threading.Barrier(2)
            reports: list[object] = []
            errors: list[BaseException] = []
            url = f"https://news.example/2026/ferry-{round_no}"
            variant = f"http://www.news.example/2026/ferry-{round_no}/?utm_source=x"

            def add(u: str, barrier: threading.Barrier, reports: list[object],
                    errors: list[BaseException]) -> None:
                try:
                    barrier.wait(5)
                    reports.append(archive.enqueue([u]))
                except BaseException as exc:  # noqa: BLE001 - asserted below
                    errors.append(exc)

            threads = [threading.Thread(target=add, args=(u, barrier, reports, errors))
                       for u in (url, variant)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            assert errors == []
            jobs = [j for r in reports for j in r.jobs]  # type: ignore[attr-defined]
            dups = [d for r in reports for d in r.duplicates]  # type: ignore[attr-defined]
            assert len(jobs) == 1 and len(dups) == 1, (jobs, dups)
            assert "already in the capture queue" in dups[0].message
        assert len(archive.jobs(["queued"])) == 5
