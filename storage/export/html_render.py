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


def article_html(rec: dict[str, Any], image_src: Callable[[str], str | None]) -> str:
    """One article as an ``<article>`` element: metadata, text, claims, quotes,
    sources, photo credits and captures."""
    out = [f'<article id="a{int(rec["id"])}">', f"<h1>{esc(rec.get('title') or rec['url'])}</h1>"]
    meta = [", ".join(rec.get("authors") or []), rec.get("publisher") or "",
            (rec.get("published") or "")[:10]]
    out.append(f'<p class="meta">{esc(" · ".join(m for m in meta if m))}<br>'
               f"{_link(rec.get('url'))}</p>")
    if rec.get("tags"):
        out.append(f'<p class="meta">Tags: {esc(", ".join(rec["tags"]))}</p>')
    if rec.get("claims"):
        out.append("<h2>Claims</h2><ul>")
        for c in rec["claims"]:
            note = f"<br>{esc(c['note'])}" if c.get("note") else ""
            ev = "".join(f"<br>Evidence: {_link(e)}" for e in c.get("evidence") or [])
            out.append(f'<li><span class="verdict">{esc(c["verdict"])}</span> '
                       f"“{esc(c['text'])}”{note}{ev}</li>")
        out.append("</ul>")
    body = with_images(sanitize(rec.get("reader_html") or ""), image_src)
    if not body.strip():
        body = "".join(f"<p>{esc(p)}</p>" for p in (rec.get("text") or "").split("\n\n") if p)
    out.append(f'<div class="body">{body}</div>')
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
