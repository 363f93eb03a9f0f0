"""Which network addresses Cuttings may connect to (docs/reliability.md §2.1, SSRF).

A pasted URL, or any redirect hop, must not make Cuttings probe the user's own
network. The rule works on *resolved IP addresses*, never on host names:

* loopback, private, link-local (``169.254.169.254`` included), unspecified,
  multicast, reserved and other non-global addresses are "local";
* IPv4 hidden in IPv6 (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64) is judged by
  the IPv4 address inside it;
* numeric host aliases (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) are parsed the
  way ``inet_aton`` parses them, so they are judged without any DNS lookup;
* local addresses are refused unless ``allow_local_network`` is on, and a hop
  reached *from a public address* may never be local, whatever the setting.

:class:`AddressPolicy` is immutable and safe to share between threads. The
fetcher applies it twice: before each hop (``check_host``: resolve the name and
refuse early, so no connection is even attempted) and on every socket it opens
(``check_peer``: the address actually connected to, which closes the DNS
rebinding gap between the two lookups).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


class AddressBlocked(Exception):
    """The policy refused an address. Not an ``OSError`` on purpose: urllib3 and
    requests must not mistake it for a network fault and retry or wrap it."""


class ResolveError(Exception):
    """The host name could not be resolved."""


def numeric_host(host: str) -> IPAddress | None:
    """The IP address a numeric host stands for, or None for a real name.

    Accepts bracketed or bare IPv6 and every IPv4 spelling ``inet_aton`` accepts:
    one to four parts, each decimal, octal (leading ``0``) or hex (``0x``), the last
    part filling the remaining bytes (``127.1``, ``2130706433``, ``0x7f.1``).
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    if host.endswith("."):
        host = host[:-1]
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.match(p) for p in parts):
        return None
    values: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = (number << 8) | v
    number = (number << (8 * (4 - len(head)))) | last
    return ipaddress.IPv4Address(number)


def is_local_address(ip: IPAddress) -> bool:
    """True for any address that is not plainly on the public internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d connects to a.b.c.d itself
            return is_local_address(ip.ipv4_mapped)
        inner: ipaddress.IPv4Address | None = ip.sixtofour
        if inner is None and ip.teredo:
            inner = ip.teredo[1]
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and is_local_address(inner):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


def _strip_brackets(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


@dataclass(frozen=True)
class AddressPolicy:
    """The address rules for one fetcher.

    ``trusted_endpoints`` lists ``(ip, port)`` pairs treated as public although
    their address is local. It exists for tests, which must play a "public" site
    on 127.0.0.1; the application never sets it.
    """

    allow_local_network: bool = False
    trusted_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def is_public(self, ip: IPAddress, port: int) -> bool:
        return (str(ip), port) in self.trusted_endpoints or not is_local_address(ip)

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """The addresses ``host`` stands for (numeric hosts without any lookup).

        Raises :class:`ResolveError` when the name does not resolve.
        """
        numeric = numeric_host(host)
        if numeric is not None:
            return [numeric]
        name = _strip_brackets(host)
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as err:
            log.info("could not resolve %s: %s", name, err)
            raise ResolveError(f"could not resolve host {name}") from None
        out: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            try:
                ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            except ValueError:
                continue
            if ip not in out:
                out.append(ip)
        if not out:
            raise ResolveError(f"could not resolve host {name}")
        return out

    def _refuse(self, host: str, ip: IPAddress, after_public: bool) -> AddressBlocked:
        shown = _strip_brackets(host)
        text = str(ip)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            text = f"::ffff:{ip.ipv4_mapped}"
        where = text if shown in (str(ip), text) else f"{shown} is {text}"
        if after_public:
            return AddressBlocked(
                f"blocked: a public site redirected to a local-network address ({where})"
            )
        return AddressBlocked(
            f"blocked: local-network address ({where}); turn on 'Allow local network "
            "addresses' in Settings to capture it"
        )

    def vet(self, host: str, port: int, *, after_public: bool = False
            ) -> tuple[bool, list[IPAddress]]:
        """Resolve ``host`` and apply the rules to every address it has.

        Returns ``(all_public, addresses)``: the fetcher connects to exactly these
        addresses, and when all are public the next hop counts as "after public".
        Raises :class:`AddressBlocked` or :class:`ResolveError`.
        """
        addresses = self.resolve(host, port)
        public = True
        for ip in addresses:
            if self.is_public(ip, port):
                continue
            public = False
            if after_public or not self.allow_local_network:
                raise self._refuse(host, ip, after_public)
        return public, addresses

    def check_host(self, host: str, port: int, *, after_public: bool = False) -> bool:
        """:meth:`vet` without the addresses: True when all of them are public."""
        return self.vet(host, port, after_public=after_public)[0]

    def check_peer(self, host: str, ip_text: str, port: int, *, after_public: bool = False) -> None:
        """Apply the rules to the address a socket actually connected to."""
        try:
            ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
        except ValueError:
            raise AddressBlocked(f"blocked: unexpected peer address {ip_text!r}") from None
        if self.is_public(ip, port):
            return
        if after_public or not self.allow_local_network:
            raise self._refuse(host, ip, after_public)
