"""The fetcher against real servers on 127.0.0.1: pytest-httpserver for HTTP
semantics, tests.support.servers.RawServer for wire-level faults."""

from __future__ import annotations

import gzip
import hashlib
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from capture.fetch import Fetcher, FetchError, decode_html, image_type, looks_like_html
from capture.netpolicy import AddressPolicy
from capture.settings import Settings
from tests.support.servers import (
    RawServer,
    blackhole,
    free_port,
    http_response,
    in_parts,
    path_of,
    respond,
    stall_after_headers,
    trickle,
    truncated,
)

SETTINGS = Settings(allow_local_network=True, total_deadline=2, connect_timeout=1,
                    read_timeout=1, retries=2, max_retry_after=2, max_page_mb=1,
                    max_redirects=3, user_agent="CuttingsTest/1")

PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbour vote</title></head>"
        "<body><p>The Marrow Bay council approved the ferry timetable on Tuesday.</p>"
        "</body></html>")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(SETTINGS, backoff=0.05)
    yield f
    f.close()


def fails(fetcher: Fetcher, url: str, code: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code, info.value
    assert "\n" not in info.value.message
    return info.value


# --------------------------------------------------------------------------------------
# normal pages and charsets
# --------------------------------------------------------------------------------------


def test_normal_page(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/news/harbour").respond_with_data(
        PAGE, content_type="text/html; charset=utf-8", headers={"X-Trace": "a"})
    url = httpserver.url_for("/news/harbour") + "?utm_source=newsletter#top"
    result = fetcher.fetch(url)
    assert result.status == 200
    assert result.requested_url == result.final_url == httpserver.url_for("/news/harbour")
    assert result.html == PAGE and result.body == PAGE.encode()
    assert result.encoding == "utf-8"
    assert result.sha256 == hashlib.sha256(PAGE.encode()).hexdigest()
    assert result.fetched_at.tzinfo is not None
    assert abs(result.fetched_at - datetime.now(UTC)) < timedelta(seconds=30)
    assert ("X-Trace", "a") in result.headers
    assert result.content_type.startswith("text/html")
    assert result.redirects == [] and result.local_network_allowed is True
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == "CuttingsTest/1"
    assert "utm_source" not in request.url


def test_cp1251_declared_only_in_meta(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    text = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>"
            "<title>Новости</title></head><body><p>Городской совет Сольмерска проголосовал "
            "за новый бюджет.</p></body></html>")
    httpserver.expect_request("/ru").respond_with_data(text.encode("cp1251"),
                                                       content_type="text/html")
    result = fetcher.fetch(httpserver.url_for("/ru"))
    assert result.encoding == "cp1251"
    assert "Городской совет Сольмерска" in result.html
    assert result.body == text.encode("cp1251")  # raw bytes untouched


def test_header_says_utf8_but_body_is_latin1(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    text = ("<html><head><title>Élection à Genève</title></head><body><p>Le conseil a élu "
            "Mme Dufresne-Aubry, née à Lausanne, présidente du comité des fêtes; "
            "la séance s'est terminée très tard après un débat animé sur les crèches "
            "et les écoles du quartier.</p></body></html>")
    httpserver.expect_request("/fr").respond_with_data(text.encode("latin-1"),
                                                       content_type="text/html; charset=utf-8")
    result = fetcher.fetch(httpserver.url_for("/fr"))
    assert "Élection à Genève" in result.html and "élu" in result.html
    assert "\ufffd" not in result.html
    assert result.encoding != "utf-8"


def test_utf16_bom_wins_over_a_lying_header(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    text = "<html><body><p>Zürich: 東京 — ünïcode</p></body></html>"
    body = b"\xff\xfe" + text.encode("utf-16-le")
    httpserver.expect_request("/u16").respond_with_data(body, content_type="text/html; charset=utf-8")
    result = fetcher.fetch(httpserver.url_for("/u16"))
    assert result.encoding == "utf-16-le"
    assert result.html == text


@pytest.mark.parametrize(("body", "content_type", "expected_text", "expected_encoding"), [
    (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=iso-8859-1", "<p>café</p>", "utf-8"),
    ("<p>café</p>".encode("cp1252"), "text/html; charset=ISO-8859-1", "<p>café</p>", "cp1252"),
    (b'<meta charset="utf-16"><p>caf\xc3\xa9</p>', None, '<meta charset="utf-16"><p>café</p>', "utf-8"),
    ("<meta charset=gb2312><p>北京</p>".encode("gb18030"), "text/html", "<meta charset=gb2312><p>北京</p>", "gb18030"),
    (b"<p>plain ascii</p>", None, "<p>plain ascii</p>", "utf-8"),
    (b"<p>x</p>", "text/html; charset=no-such-charset", "<p>x</p>", "utf-8"),
    (b"", "text/html", "", "utf-8"),
])
def test_decode_html_order(body: bytes, content_type: str | None, expected_text: str,
                           expected_encoding: str) -> None:
    assert decode_html(body, content_type) == (expected_text, expected_encoding)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.sampled_from([None, "text/html", "text/html; charset=utf-16",
                                                 "text/html; charset=bogus", "text/html;charset=cp1251"]))
def test_decode_html_never_raises(body: bytes, content_type: str | None) -> None:
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str) and encoding


def test_untyped_html_is_sniffed(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/untyped").respond_with_response(
        Response(PAGE.encode(), headers={"Content-Type": ""}))
    assert fetcher.fetch(httpserver.url_for("/untyped")).html == PAGE


def test_empty_page_is_a_result(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/empty").respond_with_data(b"", content_type="text/html")
    result = fetcher.fetch(httpserver.url_for("/empty"))
    assert result.body == b"" and result.html == ""


def test_sniff_helpers() -> None:
    assert looks_like_html(b"  \n<!DOCTYPE html><html>")
    assert looks_like_html(b"\xff\xfe" + "<html>".encode("utf-16-le"))
    assert not looks_like_html(b"just some words")
    assert image_type(PNG) == "image/png"
    assert image_type(b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>") == "image/svg+xml"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"\x00\x00\x00\x1cftypavif") == "image/avif"
    assert image_type(b"<html><body>") is None


# --------------------------------------------------------------------------------------
# redirects
# --------------------------------------------------------------------------------------


def test_redirect_chain_is_recorded(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/short").respond_with_response(
        Response(status=302, headers={"Location": "/news/2026/harbour?utm_campaign=x"}))
    httpserver.expect_request("/news/2026/harbour").respond_with_response(
        Response(status=301, headers={"Location": httpserver.url_for("/final")}))
    httpserver.expect_request("/final").respond_with_data(PAGE, content_type="text/html")
    result = fetcher.fetch(httpserver.url_for("/short"))
    assert result.redirects == [(httpserver.url_for("/short"), 302),
                                (httpserver.url_for("/news/2026/harbour"), 301)]
    assert result.final_url == httpserver.url_for("/final")
    assert result.requested_url == httpserver.url_for("/short")


def test_redirect_loop_stops_at_the_cap(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/a"}))
    err = fails(fetcher, httpserver.url_for("/a"), "too_many_redirects")
    assert len(err.redirects) == SETTINGS.max_redirects + 1
    assert [u.rsplit("/", 1)[1] for u, _ in err.redirects] == ["a", "b", "a", "b"]
    assert "too many redirects" in err.message


@pytest.mark.parametrize("location", ["file:///etc/passwd", "javascript:alert(1)",
                                      "ftp://files.example/x", "http://[::1"])
def test_redirect_to_a_non_http_address(fetcher: Fetcher, location: str) -> None:
    redirect = http_response(b"", status=302, headers={"Location": location})
    with RawServer(respond(redirect)) as server:
        err = fails(fetcher, server.url("/go"), "bad_redirect")
    assert err.redirects == [(server.url("/go"), 302)]
    assert server.request_count == 1
    assert err.message.startswith("redirected to an address that cannot be captured")


def test_cookies_live_for_one_fetch_only(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/consent").respond_with_response(
        Response(status=302, headers={"Location": "/article", "Set-Cookie": "consent=yes; Path=/"}))
    httpserver.expect_request("/article").respond_with_data(PAGE, content_type="text/html")
    fetcher.fetch(httpserver.url_for("/consent"))
    fetcher.fetch(httpserver.url_for("/article"))
    cookies = [req.headers.get("Cookie") for req, _ in httpserver.log]
    assert cookies == [None, "consent=yes", None]


def test_userinfo_is_never_sent(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/").respond_with_data(PAGE, content_type="text/html")
    url = httpserver.url_for("/").replace("http://", "http://editor:hunter2@")
    fetcher.fetch(url)
    assert "Authorization" not in httpserver.log[0][0].headers


# --------------------------------------------------------------------------------------
# address policy
# --------------------------------------------------------------------------------------


def test_local_address_refused_when_the_setting_is_off() -> None:
    with RawServer(respond(http_response(PAGE.encode()))) as server, \
            Fetcher(Settings(total_deadline=2)) as fetcher:
        for url in (server.url("/"), f"http://2130706433:{server.port}/",
                    f"http://0x7f.1:{server.port}/", f"http://127.1:{server.port}/",
                    f"http://[::ffff:127.0.0.1]:{server.port}/", f"http://localhost:{server.port}/"):
            err = fails(fetcher, url, "blocked_address")
            assert "127.0.0.1" in err.message and "Settings" in err.message
        assert server.connections == 0 and server.request_count == 0


def test_name_resolving_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "intranet.test":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with RawServer(respond(http_response(PAGE.encode()))) as server, \
            Fetcher(Settings(total_deadline=2)) as fetcher:
        err = fails(fetcher, f"http://intranet.test:{server.port}/", "blocked_address")
        assert "intranet.test is 127.0.0.1" in err.message
        assert server.connections == 0


def test_public_site_redirecting_to_local_is_always_refused() -> None:
    with RawServer(lambda c, h, s: None) as secret:
        target = f"http://localhost:{secret.port}/secret"
        redirect = http_response(b"", status=302, headers={"Location": target})
        with RawServer(respond(redirect)) as public:
            for allow in (False, True):
                policy = AddressPolicy(allow_local_network=allow,
                                       trusted_endpoints=frozenset({("127.0.0.1", public.port)}))
                with Fetcher(Settings(allow_local_network=allow, total_deadline=2),
                             policy=policy) as fetcher:
                    err = fails(fetcher, public.url("/start"), "blocked_address")
                assert "public site redirected" in err.message
                assert err.redirects == [(public.url("/start"), 302)]
        assert public.request_count == 2
        assert secret.connections == 0


def _resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, calls: list[str],
                         gate: threading.Event | None = None) -> None:
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, str) and host.endswith(".test"):
            calls.append(host)
            if gate is not None:
                gate.wait(10)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_connection_goes_to_the_vetted_address_without_a_second_lookup(
        monkeypatch: pytest.MonkeyPatch, fetcher: Fetcher) -> None:
    calls: list[str] = []
    _resolve_to_loopback(monkeypatch, calls)
    with RawServer(respond(http_response(PAGE.encode()))) as server:
        result = fetcher.fetch(f"http://paper.test:{server.port}/story")
    assert result.html == PAGE
    assert calls == ["paper.test"]  # urllib3 did not resolve again: no rebinding window
    assert f"Host: paper.test:{server.port}".encode() in server.requests[0]


def test_slow_dns_ends_at_the_deadline_or_on_cancel(monkeypatch: pytest.MonkeyPatch,
                                                    fetcher: Fetcher) -> None:
    gate = threading.Event()
    calls: list[str] = []
    _resolve_to_loopback(monkeypatch, calls, gate)
    try:
        started = time.monotonic()
        fails(fetcher, "http://slow-dns.test/", "deadline")
        assert time.monotonic() - started < SETTINGS.total_deadline + 0.5
        cancel = threading.Event()
        timer = threading.Timer(0.2, cancel.set)
        timer.start()
        started = time.monotonic()
        fails(fetcher, "http://slow-dns.test/", "cancelled", cancel=cancel)
        assert time.monotonic() - started < 1.5  # the deadline would be 2 s
        timer.join()
    finally:
        gate.set()


def test_dns_failure(monkeypatch: pytest.MonkeyPatch, fetcher: Fetcher) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    err = fails(fetcher, "https://no-such-paper.example/news", "dns")
    assert err.message == "could not resolve host no-such-paper.example"
    assert err.retryable


def test_invalid_url_makes_no_connection(fetcher: Fetcher) -> None:
    err = fails(fetcher, "file:///etc/passwd", "invalid_url")
    assert "only http and https" in err.message
    fails(fetcher, "https://exa mple.com/", "invalid_url")


# --------------------------------------------------------------------------------------
# HTTP errors and retries
# --------------------------------------------------------------------------------------


def test_404_is_an_http_error_with_status(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404, content_type="text/html")
    err = fails(fetcher, httpserver.url_for("/gone"), "http_error")
    assert err.status == 404 and "404" in err.message and not err.retryable
    assert len(httpserver.log) == 1  # 404 is not retried


def test_429_with_retry_after_then_success(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/busy").respond_with_data(PAGE, content_type="text/html")
    started = time.monotonic()
    result = fetcher.fetch(httpserver.url_for("/busy"))
    assert result.html == PAGE
    assert len(httpserver.log) == 2
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured


def test_retry_after_as_http_date(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    httpserver.expect_oneshot_request("/busy").respond_with_data(
        "", status=503, headers={"Retry-After": when})
    httpserver.expect_request("/busy").respond_with_data(PAGE, content_type="text/html")
    assert fetcher.fetch(httpserver.url_for("/busy")).status == 200
    assert len(httpserver.log) == 2


def test_retry_after_beyond_the_cap_is_not_waited_for(httpserver: HTTPServer,
                                                      fetcher: Fetcher) -> None:
    httpserver.expect_request("/busy").respond_with_data("", status=429,
                                                         headers={"Retry-After": "3600"})
    started = time.monotonic()
    err = fails(fetcher, httpserver.url_for("/busy"), "http_error")
    assert time.monotonic() - started < 1
    assert err.status == 429 and "3600" in err.message and err.retryable
    assert len(httpserver.log) == 1


def test_503_three_times_is_an_http_error(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=503)
    err = fails(fetcher, httpserver.url_for("/down"), "http_error")
    assert err.status == 503 and "after 2 retries" in err.message
    assert len(httpserver.log) == 1 + SETTINGS.retries


def test_cancel_interrupts_a_back_off_wait(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "2"})
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    started = time.monotonic()
    with Fetcher(SETTINGS.with_values(total_deadline=5)) as slow_fetcher:
        fails(slow_fetcher, httpserver.url_for("/busy"), "cancelled", cancel=cancel)
    assert time.monotonic() - started < 1.5  # Retry-After alone would be 2 s
    timer.join()


def test_connection_refused_is_quick() -> None:
    with Fetcher(SETTINGS.with_values(retries=1), backoff=0.05) as fetcher:
        started = time.monotonic()
        err = fails(fetcher, f"http://127.0.0.1:{free_port()}/", "connection")
        assert time.monotonic() - started < 1
        assert "connection refused" in err.message and err.retryable


def test_connect_timeout_against_a_blackhole() -> None:
    with blackhole() as (host, port), \
            Fetcher(SETTINGS.with_values(retries=0, total_deadline=5)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher.fetch(f"http://{host}:{port}/")
        elapsed = time.monotonic() - started
    if info.value.code == "connection":
        pytest.skip("this kernel refuses instead of dropping when the backlog is full")
    assert info.value.code == "timeout"
    assert 0.9 <= elapsed < 2.5


# --------------------------------------------------------------------------------------
# slow, stalled and broken bodies
# --------------------------------------------------------------------------------------


def test_trickling_server_ends_at_the_deadline(fetcher: Fetcher) -> None:
    with RawServer(trickle(b"<html>" + b"x" * 200, interval=0.2)) as server:
        started = time.monotonic()
        err = fails(fetcher, server.url("/slow"), "deadline")
        elapsed = time.monotonic() - started
    assert SETTINGS.total_deadline - 0.1 <= elapsed < SETTINGS.total_deadline + 1.5
    assert "2 s" in err.message


def test_trickling_headers_end_at_the_deadline(fetcher: Fetcher) -> None:
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"p" * 200:
            if server.stopping.wait(0.2):
                return
            conn.sendall(bytes([byte]))

    with RawServer(handler) as server:
        started = time.monotonic()
        fails(fetcher, server.url("/"), "deadline")
        assert time.monotonic() - started < SETTINGS.total_deadline + 1.5


def test_stall_after_headers_is_a_timeout(fetcher: Fetcher) -> None:
    with RawServer(stall_after_headers()) as server:
        started = time.monotonic()
        err = fails(fetcher, server.url("/"), "timeout")
        assert time.monotonic() - started < SETTINGS.read_timeout + 1
    assert err.retryable


def test_truncated_body_is_never_a_result(fetcher: Fetcher) -> None:
    with RawServer(truncated(b"<html><body><p>Half a stor", declared=5000)) as server:
        err = fails(fetcher, server.url("/"), "truncated")
    assert "incomplete" in err.message


def test_truncated_chunked_body(fetcher: Fetcher) -> None:
    raw = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n10\r\n<html><body>abcd\r\n40\r\nonly part")
    with RawServer(respond(raw)) as server:
        fails(fetcher, server.url("/"), "truncated")


def test_cancel_from_another_thread_during_a_trickle(fetcher: Fetcher) -> None:
    cancel = threading.Event()
    with RawServer(trickle(b"<html>" + b"x" * 200, interval=0.2)) as server:
        timer = threading.Timer(0.4, cancel.set)
        timer.start()
        started = time.monotonic()
        fails(fetcher, server.url("/"), "cancelled", cancel=cancel)
        assert time.monotonic() - started < 1.5  # the deadline would be 2 s
        timer.join()


def test_cancel_while_waiting_for_headers(fetcher: Fetcher) -> None:
    release = threading.Event()

    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        release.wait(5)

    cancel = threading.Event()
    with RawServer(handler) as server:
        timer = threading.Timer(0.3, cancel.set)
        timer.start()
        started = time.monotonic()
        with Fetcher(SETTINGS.with_values(read_timeout=10, total_deadline=10)) as patient:
            fails(patient, server.url("/"), "cancelled", cancel=cancel)
        assert time.monotonic() - started < 1.5  # the read timeout would be 10 s
        release.set()
        timer.join()


# --------------------------------------------------------------------------------------
# size caps and content checks
# --------------------------------------------------------------------------------------


def test_announced_large_body_is_refused_early(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/big").respond_with_data(b"<html>" + b"a" * (30 * 1024 * 1024),
                                                        content_type="text/html")
    err = fails(fetcher, httpserver.url_for("/big"), "too_large")
    assert "more than 1 MB" in err.message


def test_streamed_30mb_without_length_stops_at_the_cap(httpserver: HTTPServer,
                                                       fetcher: Fetcher) -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        yield b"<html><body>"
        for _ in range(30 * 16):
            sent.append(1)
            yield b"a" * 65536

    httpserver.expect_request("/stream").respond_with_response(
        Response(body(), content_type="text/html"))
    err = fails(fetcher, httpserver.url_for("/stream"), "too_large")
    assert err.message == "page too large: more than 1 MB after decompression"
    assert len(sent) < 30 * 16  # the client stopped reading long before the end


def _gzip_bomb(decoded_mb: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [comp.compress(b"<html><body>")]
    parts += [comp.compress(block) for _ in range(decoded_mb)]
    parts.append(comp.flush())
    return b"".join(parts)


def test_gzip_bomb_is_capped_on_decoded_bytes(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    bomb = _gzip_bomb(64)
    assert len(bomb) < 1024 * 1024 // 4  # small on the wire
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    err = fails(fetcher, httpserver.url_for("/bomb"), "too_large")
    assert "after decompression" in err.message


def test_gzip_bomb_memory_stays_bounded(httpserver: HTTPServer) -> None:
    """64 MB of decoded zeros against a 4 MB cap: Python's peak allocation stays near
    the cap (tracemalloc sees every thread, the server's included)."""
    bomb = _gzip_bomb(64)
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    with Fetcher(SETTINGS.with_values(max_page_mb=4)) as fetcher:
        tracemalloc.start()
        try:
            fails(fetcher, httpserver.url_for("/bomb"), "too_large")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_gzip_page_is_stored_decoded(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(PAGE.encode()), content_type="text/html", headers={"Content-Encoding": "gzip"})
    result = fetcher.fetch(httpserver.url_for("/gz"))
    assert result.body == PAGE.encode()
    assert result.sha256 == hashlib.sha256(PAGE.encode()).hexdigest()


def test_corrupt_gzip(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/gz").respond_with_data(
        b"\x1f\x8b\x08\x00garbage-not-deflate", content_type="text/html",
        headers={"Content-Encoding": "gzip"})
    err = fails(fetcher, httpserver.url_for("/gz"), "truncated")
    assert "compression" in err.message


@pytest.mark.parametrize(("body", "content_type", "what"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html", "a PDF document"),
    (PNG, "text/html; charset=utf-8", "a PNG image"),
    (PNG, "image/png", "image/png"),
    (b"PK\x03\x04" + b"\0" * 40, "application/octet-stream", "ZIP"),
    (b"name,votes\nQuintero,412\n", None, "does not look like HTML"),
    (b"plain words", "text/plain", "text/plain"),
    (b'{"a": 1}', "application/json", "application/json"),
])
def test_binary_or_non_html_is_refused(httpserver: HTTPServer, fetcher: Fetcher, body: bytes,
                                       content_type: str | None, what: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
    httpserver.expect_request("/doc").respond_with_response(Response(body, headers=headers))
    err = fails(fetcher, httpserver.url_for("/doc"), "not_html")
    assert err.message.startswith("not an HTML page") and what in err.message


def test_large_pdf_labelled_html_is_refused_before_the_end(httpserver: HTTPServer,
                                                           fetcher: Fetcher) -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        yield b"%PDF-1.7\n"
        for _ in range(100):
            sent.append(1)
            yield b"\0" * 65536

    httpserver.expect_request("/pdf").respond_with_response(Response(body(), content_type="text/html"))
    fails(fetcher, httpserver.url_for("/pdf"), "not_html")
    assert len(sent) < 100


# --------------------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------------------


def test_fetch_asset_png(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/lead.png").respond_with_data(PNG, content_type="image/png")
    res = fetcher.fetch_asset(httpserver.url_for("/lead.png"), referer="https://paper.example/a",
                              max_bytes=10_000)
    assert res.media_type == "image/png" and res.body == PNG
    assert res.sha256 == hashlib.sha256(PNG).hexdigest()
    assert res.final_url == res.url == httpserver.url_for("/lead.png")
    assert httpserver.log[0][0].headers["Referer"] == "https://paper.example/a"


def test_fetch_asset_svg_without_type(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    svg = b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='1'/>"
    httpserver.expect_request("/logo").respond_with_response(
        Response(svg, headers={"Content-Type": "application/octet-stream"}))
    res = fetcher.fetch_asset(httpserver.url_for("/logo"), referer=None, max_bytes=10_000)
    assert res.media_type == "image/svg+xml"


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (b"<html><body>not an image</body></html>", "image/png", "not_image"),
    (PNG, "text/html", "not_image"),
    (b"%PDF-1.7", "image/jpeg", "not_image"),
    (PNG + b"\0" * 20_000, "image/png", "too_large"),
])
def test_fetch_asset_refusals(httpserver: HTTPServer, fetcher: Fetcher, body: bytes,
                              content_type: str, code: str) -> None:
    httpserver.expect_request("/img").respond_with_data(body, content_type=content_type)
    with pytest.raises(FetchError) as info:
        fetcher.fetch_asset(httpserver.url_for("/img"), referer=None, max_bytes=10_000)
    assert info.value.code == code


def test_fetch_asset_obeys_the_address_policy() -> None:
    with RawServer(respond(http_response(PNG, content_type="image/png"))) as server, \
            Fetcher(Settings(total_deadline=2)) as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher.fetch_asset(server.url("/x.png"), referer=None, max_bytes=10_000)
        assert info.value.code == "blocked_address"
        assert server.connections == 0


# --------------------------------------------------------------------------------------
# TLS and threads
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


def _https_server(ca: trustme.CA, *names: str, **cert_kwargs: object) -> HTTPServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names, **cert_kwargs).configure_cert(context)  # type: ignore[arg-type]
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/").respond_with_data(PAGE, content_type="text/html")
    server.start()
    return server


def test_tls_trusted_ca_works_and_unknown_ca_fails_closed(tls_ca: trustme.CA, tmp_path) -> None:
    server = _https_server(tls_ca, "127.0.0.1")
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    try:
        url = server.url_for("/")
        assert url.startswith("https://")
        with Fetcher(SETTINGS, ca_bundle=str(bundle)) as fetcher:
            assert fetcher.fetch(url).html == PAGE
        with Fetcher(SETTINGS) as fetcher:
            err = fails(fetcher, url, "tls")
        assert "certificate" in err.message and not err.retryable
    finally:
        server.stop()


def test_tls_hostname_mismatch(tls_ca: trustme.CA, tmp_path) -> None:
    server = _https_server(tls_ca, "other.example")
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    try:
        with Fetcher(SETTINGS, ca_bundle=str(bundle)) as fetcher:
            err = fails(fetcher, server.url_for("/"), "tls")
        assert "127.0.0.1" in err.message
    finally:
        server.stop()


def test_tls_by_name_while_connecting_to_the_vetted_address(
        tls_ca: trustme.CA, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    server = _https_server(tls_ca, "paper.test")
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    _resolve_to_loopback(monkeypatch, calls)
    try:
        with Fetcher(SETTINGS, ca_bundle=str(bundle)) as fetcher:
            result = fetcher.fetch(f"https://paper.test:{server.port}/")
        assert result.html == PAGE  # SNI and the certificate check used the name
        assert calls == ["paper.test"]
    finally:
        server.stop()


def test_tls_expired_certificate(tls_ca: trustme.CA, tmp_path) -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    server = _https_server(tls_ca, "127.0.0.1", not_before=past - timedelta(days=30),
                           not_after=past)
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    try:
        with Fetcher(SETTINGS, ca_bundle=str(bundle)) as fetcher:
            err = fails(fetcher, server.url_for("/"), "tls")
        assert "expired" in err.message
    finally:
        server.stop()


def test_many_threads_share_one_fetcher(httpserver: HTTPServer) -> None:
    for i in range(16):
        httpserver.expect_request(f"/p{i}").respond_with_data(
            PAGE.replace("Harbour vote", f"Story {i}"), content_type="text/html",
            headers={"Set-Cookie": f"visitor={i}"})
    results: dict[int, str] = {}
    errors: list[BaseException] = []
    with Fetcher(SETTINGS.with_values(total_deadline=10, workers=8)) as fetcher:
        def work(i: int) -> None:
            try:
                results[i] = fetcher.fetch(httpserver.url_for(f"/p{i}")).html
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert not errors
    assert all(f"Story {i}" in results[i] for i in range(16))
    assert all("Cookie" not in req.headers for req, _ in httpserver.log)


def test_raw_server_records_requests() -> None:
    with RawServer(respond(http_response(PAGE.encode()))) as server, \
            Fetcher(SETTINGS) as fetcher:
        fetcher.fetch(server.url("/a?b=1"))
    assert server.request_count == 1 and path_of(server.requests[0]) == "/a?b=1"


def test_harness_refuses_to_leave_the_machine(no_internet: list[str]) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.10", 80), timeout=1)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 80)
    assert len(no_internet) == 2
    no_internet.clear()  # the violations were intended; the guard must not fail this test


# ---- download progress ------------------------------------------------------------------

SLOW_PAGE = PAGE.encode() + b"<!--" + b"x" * (5 * 16384) + b"-->"


def _progress_of(fetcher: Fetcher, url: str) -> list[tuple[int, int | None]]:
    seen: list[tuple[int, int | None]] = []
    fetched = fetcher.fetch(url, on_progress=lambda got, total: seen.append((got, total)))
    assert fetched.body == SLOW_PAGE
    return seen


def test_download_progress_follows_the_bytes_of_a_slow_page(fetcher: Fetcher) -> None:
    # Five pieces 0.15 s apart (more than the 0.1 s throttle): the progress moves with them.
    with RawServer(in_parts(SLOW_PAGE, 5, 0.15)) as server:
        seen = _progress_of(fetcher, server.url("/slow"))
    total = len(SLOW_PAGE)
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    received = [got for got, _ in seen]
    assert received == sorted(received)
    assert any(0 < got < total for got in received), seen  # not just the start and the end
    assert {t for _, t in seen} == {total}


def test_download_progress_without_a_content_length_counts_bytes(fetcher: Fetcher) -> None:
    with RawServer(in_parts(SLOW_PAGE, 5, 0.15, announce_length=False)) as server:
        seen = _progress_of(fetcher, server.url("/slow"))
    assert {t for _, t in seen} == {None}
    assert seen[0][0] == 0 and seen[-1][0] == len(SLOW_PAGE)
    assert any(0 < got < len(SLOW_PAGE) for got, _ in seen), seen


def test_download_progress_of_a_fast_page_is_throttled(fetcher: Fetcher) -> None:
    # 60 reads of 16 KiB arriving at once: a handful of calls, not one per read.
    body = PAGE.encode() + b"<!--" + b"y" * (60 * 16384) + b"-->"
    seen: list[tuple[int, int | None]] = []
    with RawServer(respond(http_response(body))) as server:
        started = time.monotonic()
        fetcher.fetch(server.url("/fast"), on_progress=lambda got, total: seen.append((got, total)))
        elapsed = time.monotonic() - started
    assert seen[-1] == (len(body), len(body))
    assert len(seen) <= 2 + int(elapsed / 0.1) + 1, (len(seen), elapsed)


def test_a_failing_progress_listener_does_not_fail_the_fetch(fetcher: Fetcher) -> None:
    def broken(_got: int, _total: int | None) -> None:
        raise RuntimeError("listener bug")

    with RawServer(respond(http_response(PAGE.encode()))) as server:
        assert fetcher.fetch(server.url("/p"), on_progress=broken).html.startswith("<!DOCTYPE")
