"""URL intake: find URLs in pasted text, normalise them, and build the dedupe key.

Three pure functions, no I/O, safe to call from any thread:

* :func:`find_urls` scans pasted text (one URL per line, prose, Markdown, HTML)
  and returns one :class:`UrlCandidate` per URL-looking thing, in order.
* :func:`normalise` turns one URL into the form Cuttings fetches and stores, or
  raises :class:`UrlError` with a one-line reason a journalist understands.
* :func:`canonical_key` is the dedupe key stored with a UNIQUE constraint: two
  URLs with the same key are "the same article".

Nothing here opens a socket or resolves a name; whether a host is a local
address is decided later by :mod:`capture.netpolicy` (numeric aliases such as
``http://2130706433/`` are valid URLs here and blocked there).
"""

from __future__ import annotations

import html
import ipaddress
import logging
import re
from dataclasses import dataclass

import idna

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 8 * 1024  # characters of the URL as pasted (docs/reliability.md §2.3)

#: Query parameters that only track the click, never choose the content. Names are
#: compared case-insensitively; any name starting with ``utm_`` is dropped as well.
TRACKING_PARAMS: tuple[str, ...] = (
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "li_fat_id", "mc_cid", "mc_eid", "igshid", "igsh", "_ga", "_gl", "_hsenc",
    "_hsmi", "mkt_tok", "ref_src", "ref_url", "cmpid", "ocid", "smid", "sr_share",
    "oly_anon_id", "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "spm", "xtor",
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

_TRACKING = frozenset(TRACKING_PARAMS)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are (besides unreserved and %XX) in the path and the query.
_PATH_SAFE = frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UrlError(ValueError):
    """A URL that Cuttings cannot capture; ``str(err)`` is a one-line reason.

    ``suggestion`` is the likely intended URL (normalised) when the scheme is a near
    miss of http(s) (``htps://``, ``hhtp://``, ``http:/x``, ``https//x``); the message
    then ends with "did you mean ...?".
    """

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass
class UrlCandidate:
    """One URL-looking thing found in pasted text.

    ``url`` is the normalised URL when it is usable, else ``None`` and ``error``
    says why. ``offered_fix`` is true when the text had no scheme and
    ``https://`` was added (the UI should show the offered URL for confirmation).
    ``suggestion`` is, for a refused near miss of a web address (``htps://...``), the
    URL the user probably meant (see :func:`suggest_fix`).
    """

    raw: str
    url: str | None = None
    error: str | None = None
    offered_fix: bool = False
    suggestion: str | None = None


def _short(text: str, limit: int = 80) -> str:
    """A URL shortened for an error message (messages stay one line)."""
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------
# normalise
# --------------------------------------------------------------------------------------

def _normalise_percent(text: str, safe: frozenset[str]) -> str:
    """Upper-case %XX, decode %XX of unreserved characters, encode everything else
    that may not appear literally (spaces, non-ASCII as UTF-8, a stray ``%``)."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            if i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
                byte = int(text[i + 1 : i + 3], 16)
                decoded = chr(byte)
                out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif ch in _UNRESERVED or ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    result = "/" + "/".join(out)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def _normalise_host(host: str, original: str) -> str:
    if not host:
        raise UrlError(f"invalid URL: no host name in {_short(original)}")
    if host.startswith("["):
        if not host.endswith("]"):
            raise UrlError(f"invalid URL: unbalanced '[' in the host of {_short(original)}")
        inner = host[1:-1]
        if "%" in inner:
            raise UrlError(f"invalid URL: IPv6 zone identifiers are not supported: {_short(original)}")
        try:
            addr = ipaddress.IPv6Address(inner)
        except ValueError:
            raise UrlError(f"invalid URL: bad IPv6 address in {_short(original)}") from None
        return f"[{addr.compressed}]"
    if "[" in host or "]" in host:
        raise UrlError(f"invalid URL: unbalanced '[' in the host of {_short(original)}")
    if "%" in host:
        raise UrlError(f"invalid URL: bad character in the host name of {_short(original)}")
    if not host.isascii():
        try:
            host = idna.uts46_remap(host, std3_rules=False, transitional=False)
        except (UnicodeError, ValueError):
            raise UrlError(f"invalid URL: host name cannot be encoded: {_short(original)}") from None
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels = labels[:-1]
        trailing_dot = True
    else:
        trailing_dot = False
    out: list[str] = []
    for label in labels:
        if label.isascii():
            label = label.lower()
        else:
            try:
                label = idna.alabel(label).decode("ascii")
            except (UnicodeError, ValueError):
                raise UrlError(
                    f"invalid URL: host name cannot be encoded: {_short(original)}"
                ) from None
        if not label or len(label) > 63 or not _HOST_LABEL.match(label):
            raise UrlError(f"invalid URL: bad host name in {_short(original)}")
        out.append(label)
    result = ".".join(out) + ("." if trailing_dot else "")
    if len(result) > 253:
        raise UrlError(f"invalid URL: host name too long in {_short(original)}")
    return result


def _split(url: str) -> tuple[str, str, str, str, str | None]:
    """(scheme, host, port, path, query) of an http(s) URL; the fragment is dropped."""
    original = url
    match = _SCHEME.match(url)
    if not match:
        raise UrlError(f"invalid URL: missing http:// or https:// in {_short(original)}")
    scheme = match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise UrlError(f"only http and https pages can be captured: {_short(original)}")
    rest = url[match.end():]
    if not rest.startswith("//"):
        raise UrlError(f"invalid URL: expected '//' after '{scheme}:' in {_short(original)}")
    rest = rest[2:]
    rest = rest.split("#", 1)[0]
    end = len(rest)
    for sep in "/?":
        pos = rest.find(sep)
        if pos != -1:
            end = min(end, pos)
    authority, tail = rest[:end], rest[end:]
    if "\\" in authority:
        raise UrlError(f"invalid URL: backslash in the address of {_short(original)}")
    hostport = authority.rpartition("@")[2]  # userinfo is dropped, never sent
    port = ""
    if hostport.startswith("["):
        close = hostport.find("]")
        if close == -1:
            raise UrlError(f"invalid URL: unbalanced '[' in the host of {_short(original)}")
        host, after = hostport[: close + 1], hostport[close + 1 :]
        if after:
            if not after.startswith(":"):
                raise UrlError(f"invalid URL: bad host name in {_short(original)}")
            port = after[1:]
    else:
        host, sep, port = hostport.partition(":")
        if sep and ":" in port:
            raise UrlError(f"invalid URL: bad host name in {_short(original)}")
    if port:
        if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
            raise UrlError(f"invalid URL: bad port number in {_short(original)}")
        port = str(int(port))
        if int(port) == _DEFAULT_PORTS[scheme]:
            port = ""
    path, qmark, query = tail.partition("?")
    return scheme, host, port, path, (query if qmark else None)


# A scheme typed wrongly: letters, then any of ':' / ';', then slashes (either way).
_NEAR_MISS = re.compile(r"^([A-Za-z]{2,7})\s*([:;]*)([/\\]*)(\S+)$")
_DEFANGED = {"hxxp": "http", "hxxps": "https"}  # as threat reports write links


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two
    neighbours): enough for two short scheme names."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _likely_scheme(word: str) -> str | None:
    word = word.lower()
    if word in _DEFANGED:
        return _DEFANGED[word]
    to_http, to_https = _edit_distance(word, "http"), _edit_distance(word, "https")
    if min(to_http, to_https) > 1:
        return None  # ftp, file, mailto... are other schemes, not typing slips
    if to_https < to_http or (to_https == to_http and "s" in word):
        return "https"
    return "http"


def suggest_fix(text: str) -> str | None:
    """The web address ``text`` probably meant when its scheme is a near miss of
    http(s): ``htps://x`` -> ``https://x/``, ``hhtp://``, ``htp:``, ``http:/x``,
    ``https//x``, ``http:\\\\x``, ``hxxps://`` (defanged). None when there is no likely
    fix (another scheme, or the rest is not a usable address either). Pure."""
    match = _NEAR_MISS.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    word, colons, slashes, rest = match.groups()
    if not colons and not slashes:
        return None
    scheme = _likely_scheme(word)
    if scheme is None or (word.lower() == scheme and colons == ":" and slashes == "//"):
        return None  # not a scheme slip: the problem is elsewhere in the address
    try:
        return normalise(f"{scheme}://{rest}")
    except UrlError:
        return None


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING or lowered.startswith(TRACKING_PREFIXES)


def _param_name(pair: str) -> str:
    name = pair.split("=", 1)[0]
    return _unquote_ascii(name.replace("+", " "))


def _unquote_ascii(text: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def normalise(url: str) -> str:
    """The normalised form of ``url`` (the URL Cuttings fetches and stores).

    Raises :class:`UrlError` (a ``ValueError``) with a one-line message for anything
    that is not a usable http(s) URL. The rules: surrounding whitespace trimmed,
    inner control characters (CR, LF, tab, ...) refused, at most 8 KB, http/https
    only, scheme and host lower-case, IDN host to punycode, default port dropped,
    userinfo (``user:pass@``) dropped, fragment dropped, tracking parameters
    (:data:`TRACKING_PARAMS`, ``utm_*``) dropped, empty path becomes ``/``, dot
    segments resolved, percent-encoding normalised (upper-case hex, unreserved
    characters decoded, spaces and non-ASCII encoded as UTF-8). Idempotent.
    """
    if not isinstance(url, str):
        raise UrlError("invalid URL: not text")
    url = url.strip()
    if not url:
        raise UrlError("invalid URL: empty")
    if len(url) > MAX_URL_LENGTH:
        raise UrlError(f"invalid URL: longer than 8 KB ({len(url)} characters)")
    if _CONTROL.search(url):
        raise UrlError(f"invalid URL: contains a line break or control character: {_short(url)}")
    try:
        scheme, host, port, path, query = _split(url)
    except UrlError as err:
        fix = suggest_fix(url)
        if fix is None:
            raise
        raise UrlError(f"{err}; did you mean {_short(fix)}?", suggestion=fix) from None
    host = _normalise_host(host, url)
    path = _remove_dot_segments(_normalise_percent(path or "/", _PATH_SAFE))
    if not path.startswith("/"):
        path = "/" + path
    result = f"{scheme}://{host}{':' + port if port else ''}{path}"
    if query:
        kept = [_normalise_percent(p, _QUERY_SAFE) for p in query.split("&") if p]
        kept = [p for p in kept if not _is_tracking(_param_name(p))]
        if kept:
            result += "?" + "&".join(kept)
    if len(result) > MAX_URL_LENGTH:
        raise UrlError(f"invalid URL: longer than 8 KB ({len(result)} characters)")
    return result


# --------------------------------------------------------------------------------------
# canonical key
# --------------------------------------------------------------------------------------

_AMP_QUERY = {("amp", "1"), ("amp", "true"), ("amp", ""), ("outputtype", "amp")}


def canonical_key(url: str) -> str:
    """The dedupe key of ``url``: two URLs with the same key are the same article.

    It is :func:`normalise` plus: ``http`` becomes ``https``; a leading ``www.`` and a
    trailing dot of the host are dropped; a trailing ``/`` of the path is dropped
    (except the root ``/``); query parameters are sorted; the usual AMP variants are
    folded into the plain page (a path ending in ``/amp``, ``.amp`` or ``.amp.html``,
    and the parameters ``amp=1``, ``amp=true``, ``amp`` and ``outputType=amp``).

    The key is an identifier, not a URL to fetch: the stored URL stays the
    normalised one. Raises :class:`UrlError` like :func:`normalise`. Idempotent: the
    rules are applied until nothing changes (``www.www.``, ``/amp/amp``), so a stored
    key pasted again finds its article.
    """
    key = _key_once(normalise(url))
    while True:
        again = _key_once(key)
        if again == key:
            return key
        key = again


def site_key(value: str) -> str:
    """The site an article is filed and searched under (``articles.site``): the host of
    the :func:`canonical_key` of ``value`` (lower-case, IDN as punycode, no ``www.``, no
    trailing dot, no port).

    ``value`` is a URL or a host as a reporter types it after ``site:`` (``www.Example.com``,
    ``bücher.example/politik``). Anything without a usable http(s) host (the ``urn:sha256:``
    key of a page imported without an address, a typo) gives ``""``.
    """
    text = (value or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        return _split(canonical_key(text))[1]
    except UrlError:
        return ""


def _key_once(url: str) -> str:
    scheme, host, port, path, query = _split(url)
    del scheme
    if host.endswith("."):
        host = host[:-1]
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    for suffix, replacement in (("/amp/", "/"), ("/amp", "/"), (".amp.html", ".html"),
                                (".amp", "")):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)] + replacement
            break
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    params: list[str] = []
    if query:
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if (_unquote_ascii(name).lower(), _unquote_ascii(value).lower()) in _AMP_QUERY:
                continue
            params.append(pair)
        params.sort()
    key = f"https://{host}{':' + port if port else ''}{path}"
    if params:
        key += "?" + "&".join(params)
    return key


# --------------------------------------------------------------------------------------
# find_urls
# --------------------------------------------------------------------------------------

# Anything with "scheme://", plus the schemes people paste without slashes. A URL ends
# at white space, quotes, angle brackets and CJK punctuation (text without spaces).
_SCHEME_URL = re.compile(
    r"(?<![\w+.\-])(?:[A-Za-z][A-Za-z0-9+.\-]{0,15}://|(?:javascript|data|about|file|mailto):)"
    r"[^\s<>\"`。，、「」『』【】《》〈〉（）！？；：]*",
)
# A bare host name (at least one dot, alphabetic top-level domain), optional port and path.
_BARE_URL = re.compile(
    r"(?<![\w@.:/\-%])(?:[^\W_](?:[\w\-]{0,62})\.)+[^\W\d_]{2,63}\.?(?::\d{1,5})?"
    r"(?:[/?][^\s<>\"`。，、「」『』【】《》〈〉（）！？；：]*)?(?![\w@\-])",
)
_TRAILING = ".,;:!?'\"*_…’”»›"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_OPENING_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "‹": "›", "<": ">"}


def _trim(token: str, before: str) -> str:
    """Strip what prose puts after a URL: punctuation, closing quotes, an unbalanced
    closing bracket (balanced ones stay: ``.../Foo_(bar)``)."""
    closer = _OPENING_QUOTES.get(before)
    if closer and closer in token:
        token = token[: token.index(closer)]
    while token:
        last = token[-1]
        if last in _TRAILING or last in _PAIRS and token.count(last) > token.count(_PAIRS[last]):
            token = token[:-1]
        else:
            break
    return token


def _candidate(raw: str, attribute: bool, *, bare: bool, text: str | None = None) -> UrlCandidate:
    text = raw if text is None else text
    text = html.unescape(text) if attribute else text
    if bare:
        try:
            return UrlCandidate(raw=raw, url=normalise("https://" + text), offered_fix=True)
        except UrlError as err:
            return UrlCandidate(raw=raw, error=str(err), offered_fix=True)
    try:
        return UrlCandidate(raw=raw, url=normalise(text))
    except UrlError as err:
        return UrlCandidate(raw=raw, error=str(err), suggestion=err.suggestion)


def _scan_line(line: str) -> list[tuple[int, UrlCandidate]]:
    found: list[tuple[int, UrlCandidate]] = []
    taken: list[tuple[int, int]] = []
    for match in _SCHEME_URL.finditer(line):
        start = match.start()
        before = line[start - 1] if start else ""
        token = _trim(match.group(0), before)
        if token.endswith("://") or ":" not in token:
            continue
        attribute = bool(re.search(r"=\s*[\"']?$", line[:start]))
        found.append((start, _candidate(token, attribute, bare=False)))
        taken.append((start, start + len(token)))
    for match in _BARE_URL.finditer(line):
        start = match.start()
        if any(a <= start < b for a, b in taken):
            continue
        before = line[start - 1] if start else ""
        token = _trim(match.group(0), before)
        host = re.split(r"[/?:]", token, maxsplit=1)[0]
        has_path = len(token) > len(host) and token[len(host)] in "/?:"
        whole_line = token == line.strip()
        if not (has_path or host.lower().startswith("www.") or whole_line):
            continue  # "Reuters.com said" in prose is a name, not a link
        if "." not in host.strip("."):
            continue
        attribute = bool(re.search(r"=\s*[\"']?$", line[:start]))
        found.append((start, _candidate(token, attribute, bare=True)))
    found.sort(key=lambda item: item[0])
    if not found:
        stripped = line.strip()
        # A line holding one token that tries to be an address ("htp:/x", "http:example")
        # is reported instead of silently ignored.
        if stripped.startswith("//") and len(stripped) > 2 and not any(
            c.isspace() for c in stripped
        ):
            found.append((0, _candidate(stripped, False, bare=True, text=stripped[2:])))
        elif stripped and not any(c.isspace() for c in stripped) and (
            ":" in stripped and ("/" in stripped or "." in stripped)
            and not stripped.endswith(":") or suggest_fix(stripped) is not None
        ):  # ("https//example.com/a" has no colon)
            found.append((0, _candidate(stripped, False, bare=False)))
    return found


def find_urls(text: str) -> list[UrlCandidate]:
    """Every URL-looking thing in pasted ``text``, in order of appearance.

    Understands one URL per line, URLs in prose (trailing ``.,;:!?`` and closing
    quotes or unbalanced brackets are not part of the URL; balanced parentheses
    as in Wikipedia URLs are), Markdown ``[text](url)``, ``<url>``, HTML
    ``href="..."`` (entities decoded), and bare ``www.example.com/a`` or
    ``example.com/path`` (offered with ``https://``, ``offered_fix=True``).
    A bare ``example.com`` counts only when it is alone on its line. Usable URLs
    come back normalised; unusable ones carry a one-line ``error``. The same
    normalised URL twice is returned twice (the caller reports duplicates).
    Never raises for any text.
    """
    if not isinstance(text, str):
        return []
    out: list[UrlCandidate] = []
    for line in text.splitlines():
        if len(line) > 1_000_000:
            line = line[:1_000_000]  # pasted novels are not URL lists
        out.extend(candidate for _, candidate in _scan_line(line))
    return out
