"""Safe HTML for exports a person opens in a browser (HTML report, ZIP index).

Untrusted text is escaped; article HTML is sanitised again with a strict nh3
allow-list (no script, style, form or embed element, no ``on*`` or ``style``
attribute, links only to http(s)), and every page carries a Content-Security-Policy
that forbids scripts and remote loads. Raw page HTML never appears here (only in the
WARC and as snapshot files).

Thread rules: pure functions; safe from any thread.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import Any

import nh3

log = logging.getLogger(__name__)

CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"

SAFE_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif")

_TAGS = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
         "strong", "em", "b", "i", "u", "s", "sub", "sup", "a", "img", "figure", "figcaption",
         "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "pre", "code", "hr",
         "span", "div", "small", "cite", "q", "abbr", "time", "mark", "dl", "dt", "dd"}
_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
          "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "time": {"datetime"},
          "abbr": {"title"}, "q": {"cite"}, "blockquote": {"cite"}}
ASSET_SRC = re.compile(r'src="asset:([0-9a-f]{64})"')  # an image of the bundle, in reader HTML
_IMG = re.compile(r"<img\b[^>]*>")

CSS = """
body{font:16px/1.5 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.6em;margin:.2em 0} h2{font-size:1.25em;border-bottom:1px solid #bbb}
.meta,.cap{color:#444;font-size:.9em} .hash{font-family:monospace;word-break:break-all}
article{border-top:3px double #888;padding-top:1em;margin-top:2em}
img{max-width:100%;height:auto} blockquote{border-left:3px solid #aaa;margin-left:0;padding-left:1em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}
.verdict{font-weight:bold;text-transform:uppercase}
.tag{display:inline-block;border:1px solid #999;border-radius:.8em;padding:0 .5em;
margin:0 .2em .2em 0;font:.85em sans-serif;color:#333}
.collection{background:#f4f4f4;border-left:4px solid #888;padding:.4em .8em;margin:1em 0}
mark{padding:0 .1em;border-bottom:2px solid #555;color:inherit;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
sup.ref{font:bold .7em sans-serif} sup.ref a{text-decoration:none}
ol.claims li{margin-bottom:.6em;padding-left:.3em;border-left:6px solid #ccc}
.v-unverified{background:#e5e7eb} .v-supported{background:#bbf7d0}
.v-disputed{background:#fed7aa} .v-false{background:#fecaca} .v-misleading{background:#e9d5ff}
ol.claims li.v-unverified{border-color:#9ca3af} ol.claims li.v-supported{border-color:#16a34a}
ol.claims li.v-disputed{border-color:#ea580c} ol.claims li.v-false{border-color:#dc2626}
ol.claims li.v-misleading{border-color:#9333ea} ol.claims li{background:none}
@media print{body{max-width:none;margin:0} article{page-break-before:always}
a{color:#000;text-decoration:none} a[href]:after{content:" <" attr(href) ">";font-size:.8em}}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if re.fullmatch(r"asset:[0-9a-f]{64}", value) else None
    return value


def sanitize(fragment: str) -> str:
    """Strictly sanitised HTML; images survive only as ``src="asset:<sha256>"``."""
    cleaned = nh3.clean(fragment or "", tags=_TAGS, attributes=_ATTRS,
                        url_schemes={"http", "https", "asset"}, attribute_filter=_filter,
                        strip_comments=True, link_rel="noopener noreferrer nofollow")
    return _IMG.sub(lambda m: m.group(0) if "src=" in m.group(0) else "", cleaned)


def with_images(sanitized: str, image_src: Callable[[str], str | None]) -> str:
    """Replace ``asset:<sha>`` sources with what ``image_src(sha)`` gives (a relative
    path or a data: URI); images it cannot give are dropped."""
    def repl(m: re.Match[str]) -> str:
        tag = m.group(0)
        sm = ASSET_SRC.search(tag)
        if sm is None:
            return ""
        src = image_src(sm.group(1))
        if src is None:
            return ""
        return tag[:sm.start()] + f'src="{esc(src)}"' + tag[sm.end():]

    return _IMG.sub(repl, sanitized)


def page_head(title: str) -> str:
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style></head><body>\n")


PAGE_TAIL = "</body></html>\n"


def _link(url: str | None) -> str:
    if url and re.match(r"https?://", url, re.I):
        return (f'<a href="{esc(url)}" rel="noopener noreferrer nofollow">{esc(url)}</a>')
    return esc(url)


VERDICTS = ("unverified", "supported", "disputed", "false", "misleading")
_FIGURE = re.compile(r"<figure\b.*?</figure>|<img\b[^>]*>", re.S)


def verdict_class(verdict: Any) -> str:
    """The CSS class of a verdict (``v-false`` ...); unknown verdicts get none."""
    return f"v-{verdict}" if verdict in VERDICTS else "v-unknown"


def tag_list(tags: list[str] | None) -> str:
    """Tags as labelled chips (escaped)."""
    return "".join(f'<span class="tag">{esc(t)}</span>' for t in tags or [])


def verdict_key() -> str:
    """A line saying which colour marks which verdict."""
    return ('<p class="meta">Claims are marked in the text by verdict: '
            + " ".join(f'<mark class="{verdict_class(v)}">{esc(v)}</mark>' for v in VERDICTS)
            + "; the number after a mark leads to its note.</p>")


def anchored_claims(rec: dict[str, Any]) -> list[tuple[int, dict[str, Any], bool]]:
    """``(number, claim, found)`` for each claim in order; ``found`` when its offsets
    still hold its text in the article's ``text`` (else it is listed, not marked)."""
    text = rec.get("text") or ""
    out = []
    for n, c in enumerate(rec.get("claims") or [], 1):
        s, e = c.get("start"), c.get("end")
        found = (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)
                 and text[s:e] == c.get("text"))
        out.append((n, c, found))
    return out


def _claim_id(rec: dict[str, Any], n: int) -> str:
    return f"a{int(rec['id'])}-c{n}"


def marked_text(rec: dict[str, Any], claims: list[tuple[int, dict[str, Any], bool]]) -> str:
    """The article's ``text`` as paragraphs with every found claim in a ``<mark>`` (its
    verdict as the class) at its character offsets, followed by a numbered link to its
    note. Offsets map 1:1 to the text, as in the app's reader; overlapping claims
    share the marked stretch (the first one's colour)."""
    text = rec.get("text") or ""
    found = [(n, c) for n, c, ok in claims if ok]
    cuts = sorted({0, len(text), *(c["start"] for _n, c in found), *(c["end"] for _n, c in found)})
    out: list[str] = []
    pos = 0
    for para in text.split("\n\n"):
        ps, pe = pos, pos + len(para)
        pos = pe + 2
        if not para.strip():
            continue
        bounds = [ps, *(x for x in cuts if ps < x < pe), pe]
        parts: list[str] = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            piece = esc(text[a:b]).replace("\n", "<br>")
            active = [(n, c) for n, c in found if c["start"] <= a and b <= c["end"]]
            if active:
                n0, c0 = active[0]
                names = ", ".join(str(n) for n, _c in active)
                parts.append(f'<mark class="{verdict_class(c0.get("verdict"))}" '
                             f'title="claim {names}">{piece}</mark>')
            else:
                parts.append(piece)
            for n, c in found:
                if c["end"] == b and ps < b <= pe:
                    parts.append(f'<sup class="ref"><a href="#{_claim_id(rec, n)}">{n}</a></sup>')
        out.append(f"<p>{''.join(parts)}</p>")
    return "".join(out)


def claims_legend(rec: dict[str, Any], claims: list[tuple[int, dict[str, Any], bool]]) -> str:
    """The numbered notes of the claims: verdict, text, note, evidence, tags."""
    out = ['<h2>Claims</h2><ol class="claims">']
    for n, c, ok in claims:
        note = "<br>" + esc(c["note"]).replace("\n", "<br>") if c.get("note") else ""
        ev = "".join(f"<br>Evidence: {_link(e)}" for e in c.get("evidence") or [])
        tags = f"<br>Tags: {tag_list(c.get('tags'))}" if c.get("tags") else ""
        where = "" if ok else ('<br><span class="meta">Not marked in the text: the text '
                               "changed since the claim was marked.</span>")
        out.append(f'<li id="{_claim_id(rec, n)}" class="{verdict_class(c.get("verdict"))}">'
                   f'<span class="verdict">{esc(c.get("verdict"))}</span> '
                   f"“{esc(c['text'])}”{note}{ev}{tags}{where}</li>")
    out.append("</ol>")
    return "".join(out)


def article_html(rec: dict[str, Any], image_src: Callable[[str], str | None]) -> str:
    """One article as an ``<article>`` element: metadata and tags, the text (with its
    claims marked where they stand, when it has claims), the claims' numbered notes,
    quotes, sources, photo credits and captures."""
    out = [f'<article id="a{int(rec["id"])}">', f"<h1>{esc(rec.get('title') or rec['url'])}</h1>"]
    meta = [", ".join(rec.get("authors") or []), rec.get("publisher") or "",
            (rec.get("published") or "")[:10]]
    out.append(f'<p class="meta">{esc(" · ".join(m for m in meta if m))}<br>'
               f"{_link(rec.get('url'))}</p>")
    if rec.get("tags"):
        out.append(f'<p class="meta">Tags: {tag_list(rec["tags"])}</p>')
    claims = anchored_claims(rec)
    sanitized = sanitize(rec.get("reader_html") or "")
    if any(ok for _n, _c, ok in claims):
        # The text, where the claims' offsets point, then the article's images.
        body = marked_text(rec, claims) + with_images(
            "".join(m.group(0) for m in _FIGURE.finditer(sanitized)), image_src)
    else:
        body = with_images(sanitized, image_src)
        if not body.strip():
            body = "".join(f"<p>{esc(p)}</p>"
                           for p in (rec.get("text") or "").split("\n\n") if p)
    out.append(f'<div class="body">{body}</div>')
    if claims:
        out.append(claims_legend(rec, claims))
    if rec.get("quotes"):
        out.append("<h2>Quotes</h2><ul>")
        out.extend(f"<li>“{esc(q['text'])}” — {esc(q.get('speaker') or 'unattributed')}"
                   f"{', ' + esc(q['role']) if q.get('role') else ''}</li>" for q in rec["quotes"])
        out.append("</ul>")
    if rec.get("sources"):
        out.append("<h2>Cited outlets</h2><ul>")
        out.extend(f"<li>{esc(s['name'])} ({esc(s['kind'])}){': ' + esc(s['context']) if s.get('context') else ''}</li>"
                   for s in rec["sources"])
        out.append("</ul>")
    if rec.get("photo_credits"):
        out.append("<h2>Photo credits</h2><ul>")
        out.extend(f"<li>{esc(c['credit'])}</li>" for c in rec["photo_credits"])
        out.append("</ul>")
    out.append('<h2>Captures</h2><table><tr><th>Captured (UTC)</th><th>HTTP</th>'
               "<th>SHA-256 of the raw page</th></tr>")
    for c in rec.get("captures") or []:
        out.append(f'<tr><td>{esc(c["fetched_at"])}</td><td>{esc(c["http_status"])}</td>'
                   f'<td class="hash">{esc(c["sha256"])}</td></tr>')
    out.append("</table></article>\n")
    return "\n".join(out)
