"""Serve the invented fixture articles locally, to try Cuttings without the internet.

    .venv/bin/python packaging/demo_site.py            # prints three links, Ctrl+C stops
    .venv/bin/cuttings --allow-local-network           # then paste the links (Ctrl+L)

The articles (people, places, events) are made up; see ``tests/desktop/fixture_site.py``.
Cuttings refuses loopback addresses unless local-network access is allowed, hence the
flag (or Settings > Security).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from tests.desktop import fixture_site

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    server, base = fixture_site.start_server(port=args.port)
    print("Demo articles (paste these into Cuttings with Ctrl+L):\n")
    for article in fixture_site.ARTICLES:
        print(f"  {base}{article.path}")
    print("\nPress Ctrl+C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
