"""The address policy: which IPs count as local, numeric host aliases, the rules."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from capture.netpolicy import (
    AddressBlocked,
    AddressPolicy,
    ResolveError,
    is_local_address,
    numeric_host,
)


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("10.1.2", "10.1.0.2"),
    ("169.254.169.254", "169.254.169.254"),
    ("[::1]", "::1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ("127.0.0.1.", "127.0.0.1"),
])
def test_numeric_hosts(host: str, expected: str) -> None:
    assert numeric_host(host) == ipaddress.ip_address(expected)


@pytest.mark.parametrize("host", ["example.com", "1.2.3.com", "256.1.1.1", "1.2.3.4.5", "08.1.1.1",
                                  "0x", "", "xn--bcher-kva.example", "[nonsense]"])
def test_names_are_not_numeric(host: str) -> None:
    if host == "0x":
        assert numeric_host(host) == ipaddress.ip_address("0.0.0.0")  # inet_aton accepts it
    else:
        assert numeric_host(host) is None


@pytest.mark.parametrize("ip", [
    "127.0.0.1", "127.8.9.10", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.251", "255.255.255.255", "240.0.0.1", "::1", "::",
    "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1",
    "2002:7f00:1::1", "2001:db8::1",
])
def test_local_addresses(ip: str) -> None:
    assert is_local_address(ipaddress.ip_address(ip))


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                "::ffff:8.8.8.8"])
def test_public_addresses(ip: str) -> None:
    assert not is_local_address(ipaddress.ip_address(ip))


def test_check_host_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"paper.test": ["93.184.216.34"], "mixed.test": ["93.184.216.34", "10.0.0.7"],
               "intranet.test": ["10.0.0.7"]}

    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "not found")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    strict = AddressPolicy()
    lenient = AddressPolicy(allow_local_network=True)
    assert strict.check_host("paper.test", 443) is True
    with pytest.raises(AddressBlocked, match="mixed.test is 10.0.0.7"):
        strict.check_host("mixed.test", 443)  # one local answer is enough to refuse
    assert lenient.check_host("intranet.test", 443) is False
    with pytest.raises(AddressBlocked, match="public site redirected"):
        lenient.check_host("intranet.test", 443, after_public=True)
    with pytest.raises(ResolveError, match="could not resolve host nowhere.test"):
        strict.check_host("nowhere.test", 443)
    with pytest.raises(AddressBlocked, match="169.254.169.254"):
        strict.check_host("169.254.169.254", 80)  # numeric: judged without any lookup


def test_trusted_endpoints_count_as_public() -> None:
    policy = AddressPolicy(trusted_endpoints=frozenset({("127.0.0.1", 8123)}))
    assert policy.check_host("127.0.0.1", 8123) is True
    with pytest.raises(AddressBlocked):
        policy.check_host("127.0.0.1", 8124)
    policy.check_peer("paper.test", "127.0.0.1", 8123)
    with pytest.raises(AddressBlocked):
        policy.check_peer("paper.test", "127.0.0.1", 9)


def test_blocked_is_not_an_os_error() -> None:
    # urllib3 and requests retry and wrap OSErrors; a refusal must pass through them as is.
    assert not issubclass(AddressBlocked, OSError)
