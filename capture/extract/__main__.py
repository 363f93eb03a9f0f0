"""``python -m capture.extract FILE|- [--url URL]``: print the extraction as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from capture.bounded_read import read_bounded_or_stdin
from capture.charset import decode_html
from capture.settings import Settings

from .bounded import extract_bounded


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m capture.extract", description=__doc__)
    ap.add_argument("file", help="HTML file, or - for stdin")
    ap.add_argument("--url", default=None, help="the page's URL (resolves links, excludes the publisher)")
    args = ap.parse_args(argv)
    try:  # capped like every input (capture.bounded_read): /dev/zero is refused, not read
        body = read_bounded_or_stdin(args.file, Settings().max_page_bytes, sys.stdin.buffer)
    except OSError as exc:
        print(f"error: cannot read {args.file!r}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:  # too large, a folder
        print(f"error: {ascii(str(exc))[1:-1]}", file=sys.stderr)
        return 2
    html, _codec = decode_html(body, None)  # the one decoder, as `cuttings extract`
    # ASCII JSON: a page's control or bidi characters reach the terminal as \u escapes
    # read in the bounded worker, as every page is (docs/reliability.md J5)
    result = extract_bounded(html, args.url, deadline=Settings().extract_deadline)
    json.dump(result.to_json(), sys.stdout, ensure_ascii=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
