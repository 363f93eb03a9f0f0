"""Entry point frozen by PyInstaller (``packaging/cuttings.spec``): the ``cuttings`` command."""

import multiprocessing
import sys

from desktop.cli import main

if __name__ == "__main__":
    # the page reader runs in spawned worker processes (capture.extract.bounded): in a
    # frozen app each of them starts this executable, which must then serve, not run main
    multiprocessing.freeze_support()
    sys.exit(main())
