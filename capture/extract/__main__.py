"""``python -m capture.extract FILE|- [--url URL]``: print the extraction as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from . import extract
from .decode import decode_bytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m capture.extract", description=__doc__)
    ap.add_argument("file", help="HTML file, or - for stdin")
    ap.add_argument("--url", default=None, help="the page's URL (resolves links, excludes the publisher)")
    args = ap.parse_args(argv)
    if args.file == "-":
        body = sys.stdin.buffer.read()
    else:
        try:
            with open(args.file, "rb") as fh:
                body = fh.read()
        except OSError as exc:
            print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    html = decode_bytes(body)
    json.dump(extract(html, args.url).to_json(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
