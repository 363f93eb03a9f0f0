"""Pages that make extraction slow, generated on demand (docs/reliability.md J5).

Shared by ``tests/reliability/test_j5_extraction_bounds.py`` and
``benchmarks/extraction_bounds.py`` so that the bounds are tested and measured on the
same inputs. Pure functions; any thread.
"""

from __future__ import annotations


def attributes_page(n: int) -> str:
    """One element with ``n`` attributes (libxml2's duplicate check is quadratic)."""
    attrs = " ".join(f"a{i}=x" for i in range(n))
    return f"<html><body><article><p {attrs}>Hello world.</p></article></body></html>"


def figures_page(n: int) -> str:
    """``n`` captioned figures with photo credits."""
    figs = "".join(f'<figure><img src="/img/{i}.jpg" alt="Photo {i}"><figcaption>Harbour view '
                   f'{i}. Photo: Ann Example {i}</figcaption></figure>' for i in range(n))
    return f"<html><body><article><h1>Figures</h1>{figs}<p>The end.</p></article></body></html>"


def links_page(n: int) -> str:
    """``n`` paragraphs, each linking to a different source."""
    ps = "".join(f'<p>See <a href="https://source{i}.example/report">the report {i}</a>.</p>'
                 for i in range(n))
    return f"<html><body><article><h1>Links</h1>{ps}</article></body></html>"


def quotes_page(n: int) -> str:
    """``n`` attributed quotes (50 different speakers)."""
    ps = "".join(f'<p>"The harbour will reopen in spring number {i}," said Jane Doe{i % 50}, '
                 f'the harbour master.</p>' for i in range(n))
    return f"<html><body><article><h1>Quotes</h1>{ps}</article></body></html>"


def nesting_page(n: int) -> str:
    """``n`` nested ``div`` elements."""
    return "<html><body>" + "<div>" * n + "deep text" + "</div>" * n + "</body></html>"
