"""Entry point frozen by PyInstaller (``packaging/cuttings.spec``): the ``cuttings`` command.

The same binary is also the image decoder process (:mod:`desktop.image_worker`) when
``desktop.image_decode`` starts it with ``WORKER_FLAG``; that check comes before the app
is loaded.
"""

import multiprocessing
import sys

from desktop.image_worker import WORKER_FLAG
from desktop.image_worker import main as decoder_main


def run() -> int:
    if sys.argv[1:2] == [WORKER_FLAG]:
        return decoder_main()
    from desktop.cli import main

    return main()


if __name__ == "__main__":
    # the page reader runs in spawned worker processes (capture.extract.bounded): in a
    # frozen app each of them starts this executable, which must then serve, not run main
    multiprocessing.freeze_support()
    sys.exit(run())
