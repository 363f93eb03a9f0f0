"""B1-B9: network faults on loopback. Each fetch fails with its own code and a
one-line reason, within its time bound; in a batch the job fails, nothing partial is
stored, and the other jobs go on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from capture.fetch import Fetcher, FetchError
from capture.netpolicy import AddressPolicy
from capture.settings import Settings
from capture.types import FetchResult
from intake.pipeline import CapturePipeline
from storage.archive import Archive
from tests.support.fixture_site import article_html
from tests.support.servers import (
    RawServer,
    blackhole,
    free_port,
    http_head,
    http_response,
    stall_after_headers,
    trickle,
    truncated,
)

FAST = Settings(allow_local_network=True, retries=0, connect_timeout=1, read_timeout=1,
                total_deadline=5)


def fetcher(settings: Settings = FAST, **kwargs: object) -> Fetcher:
    return Fetcher(settings, backoff=0.01, **kwargs)  # type: ignore[arg-type]


def fail(url: str, settings: Settings = FAST, **kwargs: object) -> tuple[FetchError, float]:
    started = time.monotonic()
    with fetcher(settings, **kwargs) as f, pytest.raises(FetchError) as err:
        f.fetch(url)
    return err.value, time.monotonic() - started


def one_line(err: FetchError) -> None:
    assert "\n" not in str(err) and 0 < len(str(err)) < 300


# --------------------------------------------------------------------------- B1-B3


def test_b1_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    err, took = fail("https://harbour-news.test/story")
    assert err.code == "dns" and err.retryable
    assert "could not resolve host harbour-news.test" in str(err)
    one_line(err)
    assert took < 2


def test_b2_connection_refused_fails_fast() -> None:
    err, took = fail(f"http://127.0.0.1:{free_port()}/story")
    assert err.code == "connection" and err.retryable
    assert "connection refused" in str(err)
    one_line(err)
    assert took < 1


@pytest.mark.timeout(20)
def test_b3_blackholed_connect_ends_at_the_connect_timeout() -> None:
    with blackhole() as (host, port):
        err, took = fail(f"http://{host}:{port}/story")
    assert err.code == "timeout"
    assert "could not connect" in str(err)
    one_line(err)
    assert 0.8 <= took < 3


# --------------------------------------------------------------------------- B4 TLS


class TlsServer:
    """An HTTPS server on 127.0.0.1 presenting ``cert``; counts completed requests."""

    def __init__(self, cert: trustme.LeafCert) -> None:
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self.ctx)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.served = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(http_response(b"<html><body><p>Verified page</p></body></html>"))
                    self.served += 1
            except (ssl.SSLError, OSError):
                pass  # the client refused our certificate
            finally:
                conn.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@contextlib.contextmanager
def tls_site(cert: trustme.LeafCert) -> Iterator[TlsServer]:
    server = TlsServer(cert)
    try:
        yield server
    finally:
        server.close()


def tls_fetch(server: TlsServer, ca_file: str | None) -> FetchResult | FetchError:
    policy = AddressPolicy(trusted_endpoints=frozenset({("127.0.0.1", server.port)}))
    with fetcher(FAST.with_values(allow_local_network=False), policy=policy,
                 ca_bundle=ca_file) as f:
        try:
            return f.fetch(f"https://127.0.0.1:{server.port}/story")
        except FetchError as err:
            return err


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_b4_control_the_right_ca_and_name_succeed(ca: trustme.CA, ca_file: str) -> None:
    with tls_site(ca.issue_cert("127.0.0.1")) as server:
        result = tls_fetch(server, ca_file)
    assert not isinstance(result, FetchError), result
    assert b"Verified page" in result.body


def test_b4_unknown_ca_fails_closed(ca: trustme.CA) -> None:
    with tls_site(ca.issue_cert("127.0.0.1")) as server:
        result = tls_fetch(server, None)  # system CAs only: our test CA is unknown
        assert isinstance(result, FetchError)
        assert result.code == "tls"
        assert "certificate not accepted" in str(result)
        assert server.served == 0
    one_line(result)


def test_b4_hostname_mismatch_fails_closed(ca: trustme.CA, ca_file: str) -> None:
    with tls_site(ca.issue_cert("other.test")) as server:
        result = tls_fetch(server, ca_file)
        assert isinstance(result, FetchError) and result.code == "tls"
        assert "127.0.0.1" in str(result) or "mismatch" in str(result).lower()
        assert server.served == 0


def test_b4_expired_certificate_fails_closed(ca: trustme.CA, ca_file: str) -> None:
    cert = ca.issue_cert("127.0.0.1", not_before=dt.datetime(2020, 1, 1),
                         not_after=dt.datetime(2021, 1, 1))
    with tls_site(cert) as server:
        result = tls_fetch(server, ca_file)
        assert isinstance(result, FetchError) and result.code == "tls"
        assert "expired" in str(result)
        assert server.served == 0


# --------------------------------------------------------------------------- B5-B6 slow


@pytest.mark.timeout(20)
def test_b5_slow_loris_is_ended_by_the_total_deadline() -> None:
    body = b"<html><body>" + b"x" * 5000 + b"</body></html>"
    settings = FAST.with_values(total_deadline=2, read_timeout=5)
    with RawServer(trickle(body, interval=0.1)) as server:
        err, took = fail(server.url("/story"), settings)
    assert err.code == "deadline"
    assert "gave up after 2 s" in str(err)
    assert took < 3.0  # 2 s deadline plus slack; each read alone never times out


@pytest.mark.timeout(20)
def test_b5_cancel_ends_a_trickling_fetch_at_once() -> None:
    body = b"<html><body>" + b"x" * 5000 + b"</body></html>"
    started_sending = threading.Event()
    inner = trickle(body, interval=0.1)

    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        started_sending.set()
        inner(conn, head, server)

    cancel = threading.Event()
    settings = FAST.with_values(total_deadline=30, read_timeout=30)
    with RawServer(handler) as server, fetcher(settings) as f:
        threading.Thread(target=lambda: started_sending.wait(10) and cancel.set()).start()
        started = time.monotonic()
        with pytest.raises(FetchError) as err:
            f.fetch(server.url("/story"), cancel=cancel)
        took = time.monotonic() - started
    assert err.value.code == "cancelled"
    assert took < 2


@pytest.mark.timeout(20)
def test_b6_stall_after_headers_is_a_read_timeout() -> None:
    with RawServer(stall_after_headers(5000)) as server:
        err, took = fail(server.url("/story"))
    assert err.code == "timeout" and err.retryable
    assert "stopped sending data" in str(err) or "did not answer" in str(err)
    assert took < 3


@pytest.mark.timeout(20)
def test_b6_server_that_never_answers() -> None:
    def silent(conn: socket.socket, head: bytes, server: RawServer) -> None:
        server.stopping.wait(10)

    with RawServer(silent) as server:
        err, took = fail(server.url("/story"))
    assert err.code == "timeout"
    assert "did not answer within 1 s" in str(err)
    assert took < 3


# --------------------------------------------------------------------------- B7 redirects


def test_b7_redirect_loop_stops_at_ten_with_the_chain(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", 302, {"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", 302, {"Location": "/a"})
    err, _ = fail(httpserver.url_for("/a"))
    assert err.code == "too_many_redirects"
    assert "more than 10" in str(err)
    assert len(err.redirects) == 11
    assert [u.rsplit("/", 1)[1] for u, _ in err.redirects[:3]] == ["a", "b", "a"]
    assert len(httpserver.log) == 11


def test_b7_twenty_hop_chain_stops_at_ten(httpserver: HTTPServer) -> None:
    for i in range(20):
        httpserver.expect_request(f"/hop-{i}").respond_with_data(
            "", 301, {"Location": f"/hop-{i + 1}"})
    httpserver.expect_request("/hop-20").respond_with_data("<p>end</p>",
                                                           content_type="text/html")
    err, _ = fail(httpserver.url_for("/hop-0"))
    assert err.code == "too_many_redirects"
    assert len(httpserver.log) == 11  # hop-20 never reached


# --------------------------------------------------------------------------- B8 statuses


@pytest.mark.parametrize("status", [403, 404, 410, 451, 500, 502])
def test_b8_error_status_is_recorded(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/story").respond_with_data("<p>error page</p>", status,
                                                          content_type="text/html")
    err, _ = fail(httpserver.url_for("/story"))
    assert err.code == "http_error" and err.status == status
    assert f"HTTP {status}" in str(err)
    one_line(err)


@pytest.mark.parametrize("retry_after", ["86400", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_b8_huge_retry_after_is_not_waited_for(httpserver: HTTPServer, retry_after: str) -> None:
    httpserver.expect_request("/story").respond_with_data(
        "slow down", 429, {"Retry-After": retry_after})
    settings = FAST.with_values(retries=3)
    err, took = fail(httpserver.url_for("/story"), settings)
    assert err.code == "http_error" and err.status == 429 and err.retryable
    assert "retry after" in str(err)
    assert len(httpserver.log) == 1  # no retry storm
    assert took < 2


def test_b8_retries_are_bounded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/story").respond_with_data("busy", 503)
    settings = FAST.with_values(retries=2)
    err, _ = fail(httpserver.url_for("/story"), settings)
    assert err.status == 503 and "after 2 retries" in str(err)
    assert len(httpserver.log) == 3


# --------------------------------------------------------------------------- B9 truncated


def test_b9_truncated_body_is_an_error() -> None:
    page = article_html(1).encode()
    with RawServer(truncated(page[: len(page) // 2], declared=len(page))) as server:
        err, _ = fail(server.url("/story"))
    assert err.code == "truncated"
    assert "incomplete" in str(err)


def test_b9_truncated_chunked_body_is_an_error() -> None:
    def handler(conn: socket.socket, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
                     + b"400\r\n" + b"<p>" + b"y" * 500)  # promised 1024 bytes, sent 503

    with RawServer(handler) as server:
        err, _ = fail(server.url("/story"))
    assert err.code == "truncated"


# --------------------------------------------------------------------------- in a batch


@pytest.mark.timeout(60)
def test_b_faults_in_a_batch_fail_their_jobs_and_the_batch_goes_on(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    page = article_html(3).encode()
    httpserver.expect_request("/good").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/gone").respond_with_data("<p>gone</p>", 410,
                                                         content_type="text/html")
    httpserver.expect_request("/loop").respond_with_data("", 302, {"Location": "/loop2"})
    httpserver.expect_request("/loop2").respond_with_data("", 302, {"Location": "/loop"})
    with RawServer(truncated(page[: len(page) // 2], declared=len(page))) as cut, \
            RawServer(stall_after_headers()) as stall, \
            Archive.open(str(tmp_path / "a.db")) as archive:
        urls = {
            "good": httpserver.url_for("/good"),
            "gone": httpserver.url_for("/gone"),
            "loop": httpserver.url_for("/loop"),
            "cut": cut.url("/story"),
            "stall": stall.url("/story"),
            "refused": f"http://127.0.0.1:{free_port()}/story",
        }
        report = archive.enqueue(urls.values())
        settings = FAST.with_values(download_images=False, workers=3, per_host=3)
        pipeline = CapturePipeline(archive, settings, fetcher=fetcher(settings))
        try:
            summary = pipeline.run([j.id for j in report.jobs])
        finally:
            pipeline.fetcher.close()
        assert summary.done == 1 and summary.failed == 5
        by_url = {j.url: j for j in archive.jobs()}
        codes = {name: by_url[url].error_code for name, url in urls.items()}
        assert codes == {"good": None, "gone": "http_error", "loop": "too_many_redirects",
                         "cut": "truncated", "stall": "timeout", "refused": "connection"}
        assert all(by_url[u].error for n, u in urls.items() if n != "good")
        assert archive.count_articles() == 1  # no partial capture of the failures
        assert archive.article(by_url[urls["good"]].article_id)["captures"][0]["size"] == \
            len(page)
