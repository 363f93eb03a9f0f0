"""Compare article extractors on an annotated page set with the shared scorer.

    .venv/bin/python benchmarks/extraction_quality.py [--pages DIR] [--gold DIR] [--scorer PATH]
                                                       [--jobs N] [--candidates a,b,...] [--no-heldout]

Candidates:
  ours                   capture.extract.extract (what Cuttings uses)
  trafilatura            trafilatura defaults (body, title, author, date, site name)
  trafilatura-precision  trafilatura with favor_precision=True
  ours-trafilatura-body  our metadata/quotes/sources/credits over trafilatura's body text

For each candidate the scorer runs the candidate's command once per page; this script
prints the scorer's per-page table for every candidate, then one overall table side by
side.  It is a measurement script, not a test (it needs the annotated pages).

The hidden mode ``--emit CANDIDATE [--url URL] FILE`` prints one page's JSON in the
scorer's format; the scorer calls it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELDOUT = ROOT / "tests" / "capture" / "extract" / "heldout"  # our own held-out pages
# The annotated set and its scorer are not part of the repository: name them with
# --pages/--gold/--scorer or the environment (CUTTINGS_EVAL_PAGES, CUTTINGS_EVAL_GOLD,
# CUTTINGS_EVAL_SCORER). Without them the held-out pages in the repository are scored.
DEFAULT_SCORER = os.environ.get("CUTTINGS_EVAL_SCORER")
DEFAULT_PAGES = os.environ.get("CUTTINGS_EVAL_PAGES", str(HELDOUT / "pages"))
DEFAULT_GOLD = os.environ.get("CUTTINGS_EVAL_GOLD", str(HELDOUT / "gold"))
CANDIDATES = ("trafilatura", "trafilatura-precision", "ours-trafilatura-body", "ours")


def _emit(candidate: str, path: str, url: str | None) -> dict:
    from capture.charset import decode_html
    from capture.extract import extract

    html, _codec = decode_html(Path(path).read_bytes(), None)
    if candidate == "ours":
        return extract(html, url).to_json()
    import trafilatura

    if candidate == "ours-trafilatura-body":
        from capture.extract.quotes import extract_quotes

        data = extract(html, url).to_json()
        text = trafilatura.extract(html, url=url, include_comments=False) or ""
        text = "\n\n".join(p.strip() for p in text.split("\n") if p.strip())
        offsets, pos = [], 0
        for p in text.split("\n\n"):
            offsets.append((pos, p))
            pos += len(p) + 2
        data["text"] = text
        data["quotes"] = [{"quote": q.text, "speaker": q.speaker} for q in extract_quotes(text, offsets, data["title"], data["authors"])]
        return data
    doc = trafilatura.bare_extraction(
        html, url=url, include_comments=False, favor_precision=(candidate == "trafilatura-precision"),
        with_metadata=True,
    )
    if doc is None:
        return {"title": None, "authors": [], "published": None, "publisher": None, "text": "",
                "quotes": [], "sources": [], "photo_credits": []}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (d.get("author") or "").split(";") if a.strip()]
    text = "\n\n".join(p.strip() for p in (d.get("text") or "").split("\n") if p.strip())
    return {"title": d.get("title"), "authors": authors, "published": d.get("date"),
            "publisher": d.get("sitename"), "text": text, "quotes": [], "sources": [], "photo_credits": []}


def _run_scorer(args, candidate: str, out_json: str) -> str:
    cmd = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} --emit {candidate}"
    proc = subprocess.run(
        [sys.executable, args.scorer, "--pages", args.pages, "--gold", args.gold, "--cmd", cmd,
         "--jobs", str(args.jobs), "--json", out_json],
        capture_output=True, text=True, cwd=str(ROOT), check=False,
    )
    return proc.stdout + proc.stderr


def _fmt(key: str, v) -> str:
    if v is None or v == "-":
        return "-"
    if key in ("title", "authors", "date", "publisher"):
        return f"{v[0] / v[1]:.3f}" if v[1] else "-"
    if key == "leaks":
        return f"{v[0]}/{v[1]} on {v[2]} pages"
    if key == "not_quotes":
        return f"{v[0]} of {v[1]}"
    if isinstance(v, list):
        return f"{v[0]:.3f}" if isinstance(v[0], float) else "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emit", choices=CANDIDATES, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--pages", default=DEFAULT_PAGES)
    ap.add_argument("--gold", default=DEFAULT_GOLD)
    ap.add_argument("--scorer", default=DEFAULT_SCORER, required=DEFAULT_SCORER is None,
                    help="the page scorer script (or CUTTINGS_EVAL_SCORER)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--candidates", default=",".join(CANDIDATES))
    ap.add_argument("--no-heldout", action="store_true", help="skip the held-out set's table for 'ours'")
    args = ap.parse_args(argv)
    if args.emit:
        json.dump(_emit(args.emit, args.file, args.url), sys.stdout, ensure_ascii=False)
        return 0
    if not os.path.exists(args.scorer):
        print(f"scorer not found: {args.scorer}", file=sys.stderr)
        return 2
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for cand in args.candidates.split(","):
            out = os.path.join(tmp, cand + ".json")
            report = _run_scorer(args, cand, out)
            print(f"\n######## candidate: {cand}\n")
            print(report.split("=============")[0].rstrip())
            try:
                with open(out, encoding="utf-8") as fh:
                    results[cand] = json.load(fh)["overall"]
            except (OSError, ValueError, KeyError):
                print(report)
                results[cand] = {}
    keys = ["title", "authors", "date", "publisher", "body_p", "body_r", "body_f", "leaks", "quote_p",
            "quote_r", "quote_f", "speaker", "not_quotes", "source_p", "source_r", "credit_r", "failed"]
    names = list(results)
    print("\n######## overall\n")
    print(f"{'metric':<14}" + "".join(f"{n:>24}" for n in names))
    for k in keys:
        print(f"{k:<14}" + "".join(f"{_fmt(k, results[n].get(k, '-')):>24}" for n in names))
    if not args.no_heldout and (HELDOUT / "gold").is_dir():
        held = argparse.Namespace(**{**vars(args), "pages": str(HELDOUT / "pages"), "gold": str(HELDOUT / "gold")})
        with tempfile.TemporaryDirectory() as tmp:
            report = _run_scorer(held, "ours", os.path.join(tmp, "heldout.json"))
        at = report.find("OVERALL")
        print("\n######## held-out set (tests/capture/extract/heldout), candidate ours\n")
        print(report[report.rfind("\n", 0, at) + 1 :].rstrip() if at >= 0 else report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
