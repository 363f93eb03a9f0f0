"""Speed of the whole extraction beside the body library alone, on the same pages.

    .venv/bin/python benchmarks/extraction_speed.py [--pages DIR] [--repeat N]

Prints median and p95 milliseconds per page for ``capture.extract.extract`` (metadata,
body, quotes, sources, credits, images, reader HTML) and for ``trafilatura.extract``
alone (the reference body extractor), and their ratio.  Target: ratio <= 2.
Runs in one process after a warm-up pass (imports, gazetteer and regex compilation); the
two are timed interleaved, page by page, so that machine load affects both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def _time_pair(fa, fb, pages: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Per-page median ms of ``fa`` and ``fb``, measured interleaved so machine load hits both alike."""
    out_a, out_b = [], []
    for html in pages:
        ta, tb = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fa(html)
            t1 = time.perf_counter()
            fb(html)
            t2 = time.perf_counter()
            ta.append((t1 - t0) * 1000)
            tb.append((t2 - t1) * 1000)
        out_a.append(statistics.median(ta))
        out_b.append(statistics.median(tb))
    return out_a, out_b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default=os.environ.get(
        "CUTTINGS_EVAL_PAGES", str(Path(__file__).resolve().parent.parent / "tests" / "capture"
                                   / "extract" / "heldout" / "pages")),
                    help="folder of HTML pages (default: the repository's held-out pages)")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)

    import trafilatura

    from capture.charset import decode_html
    from capture.extract import extract

    pages = [decode_html(p.read_bytes(), None)[0] for p in sorted(Path(args.pages).glob("*.htm*"))]
    if not pages:
        print(f"no pages in {args.pages}", file=sys.stderr)
        return 2

    def ours(html: str) -> None:
        extract(html, "https://example.com/article")

    def lib(html: str) -> None:
        trafilatura.extract(html, include_comments=False)

    for html in pages:  # warm-up
        ours(html)
        lib(html)
    t_ours, t_lib = _time_pair(ours, lib, pages, args.repeat)
    med_o, med_l = statistics.median(t_ours), statistics.median(t_lib)
    p95_o, p95_l = _p95(t_ours), _p95(t_lib)
    print(f"pages: {len(pages)} from {args.pages}, repeat {args.repeat}")
    print(f"{'':<36}{'median ms':>12}{'p95 ms':>12}")
    print(f"{'capture.extract.extract (whole)':<36}{med_o:>12.2f}{p95_o:>12.2f}")
    print(f"{'trafilatura.extract (body only)':<36}{med_l:>12.2f}{p95_l:>12.2f}")
    print(f"{'ratio whole / library':<36}{med_o / med_l:>12.2f}{p95_o / p95_l:>12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
