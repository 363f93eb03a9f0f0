"""Shared test setup: an isolated data folder, offscreen Qt, and loopback-only network.

``no_internet`` (autouse) patches ``socket.socket.connect``/``connect_ex`` and
``socket.getaddrinfo``: a connection to anything but a loopback address, or a DNS
lookup of a real name, raises ``OSError``/``gaierror`` *and* fails the test at
teardown (so a caller that swallows the error cannot hide it). Names under the
reserved ``.test``, ``.invalid`` and ``.example`` domains answer "not found" at
once without a violation. Tests that need a name to resolve monkeypatch
``socket.getaddrinfo`` themselves (their patch sits on top of this one).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

_RESERVED_SUFFIXES = (".test", ".invalid", ".example", ".test.", ".invalid.", ".example.")


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True)
def _cuttings_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUTTINGS_HOME", str(tmp_path_factory.mktemp("cuttings-home")))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("CUTTINGS_DB", raising=False)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Loopback-only networking for every test; returns the list of violations."""
    violations: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host = str(address[0]) if isinstance(address, tuple) and address else str(address)
        if not _is_loopback(host):
            violations.append(f"connect to {address!r}")
            raise OSError(101, f"test guard: connection to {host} refused (tests stay on loopback)")

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or not isinstance(name, str) or _is_loopback(name):
            return real_getaddrinfo(host, *args, **kwargs)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            try:
                socket.inet_aton(name)  # numeric aliases such as 2130706433 or 0x7f.1
            except OSError:
                pass
            else:
                return real_getaddrinfo(host, *args, **kwargs)
        else:
            return real_getaddrinfo(host, *args, **kwargs)  # numeric: no lookup happens
        if not name.lower().endswith(_RESERVED_SUFFIXES):
            violations.append(f"DNS lookup of {name!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS lookups of {name}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield violations
    if violations:
        pytest.fail("the test tried to leave the machine: " + "; ".join(violations), pytrace=False)


from tests.support.postgres import archive_url, pg_url  # noqa: E402, F401  (shared fixtures)
