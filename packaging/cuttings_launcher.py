"""Entry point frozen by PyInstaller (``packaging/cuttings.spec``): the ``cuttings`` command."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
