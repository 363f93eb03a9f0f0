"""Small builders shared by the reliability tests (no I/O of their own)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from capture.types import Extracted
from tests.support.captures import fetched  # noqa: F401 - re-exported for the tests

ROOT = Path(__file__).resolve().parents[2]




def extracted(title: str, text: str) -> Extracted:
    return Extracted(title=title, text=text, reader_html=f"<p>{text}</p>",
                     authors=["Hollis Varga"], publisher="The Saltmere Post", language="en")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_python(code: str, *args: str, timeout: float = 60, preexec=None,
               wrapper: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the repository importable."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [*(wrapper or []), sys.executable, "-c", code, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=ROOT, preexec_fn=preexec)


def unshare_works() -> bool:
    """Whether an unprivileged user+mount namespace can mount a tmpfs here."""
    try:
        proc = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs none /mnt"],
                              capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0
