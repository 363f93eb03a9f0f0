"""Exports are files to share: they follow the user's umask (issue 22), while the
database's backups stay private (0600). Each case runs in a subprocess with a chosen
umask, so the test's own umask and threads play no part."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import fsio

ROOT = Path(__file__).resolve().parents[3]

_SCRIPT = r"""
import json, os, stat, sys
from pathlib import Path
os.umask(int(sys.argv[2], 8))
sys.path.insert(0, sys.argv[3])
from storage import fsio
from storage.backup import create_backup
from storage.export import ExportOptions, Selection, export
from tests.storage.export.helpers import build_archive

tmp = Path(sys.argv[1])
archive, _ids, _h = build_archive(tmp / "src.db", n=1)
modes = {}
opts = ExportOptions(reviewer="Desk")
for fmt, name in (("json", "e.json"), ("zip", "e.zip"), ("md", "e.md"), ("html", "e.html"),
                  ("warc", "e.warc.gz"), ("claimreview", "e.jsonld"), ("csl", "e.csl.json"),
                  ("ris", "e.ris"), ("csv", "csvs")):
    result = export(archive, Selection(all_articles=True), fmt, tmp / name, options=opts)
    for p in result.paths:
        modes[str(Path(p).relative_to(tmp))] = stat.S_IMODE(os.stat(p).st_mode)
archive.close()
info = create_backup(str(tmp / "src.db"))
modes["backup"] = stat.S_IMODE(os.stat(info.path).st_mode)
modes["database"] = stat.S_IMODE(os.stat(tmp / "src.db").st_mode)
modes["umask_read"] = fsio.current_umask() if hasattr(fsio, "current_umask") else -1
modes["umask_after"] = os.umask(0)
print(json.dumps(modes))
"""


def _modes(tmp_path: Path, umask: int) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path), f"{umask:o}", str(ROOT)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(os.name != "posix", reason="Unix file modes")
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002], ids=["022", "027", "002"])
def test_every_export_format_follows_the_umask(tmp_path: Path, umask: int) -> None:
    modes = _modes(tmp_path, umask)
    umask_read = modes.pop("umask_read")
    assert modes.pop("umask_after") == umask  # reading it changed nothing
    assert modes.pop("backup") == 0o600  # backups stay private
    assert modes.pop("database") == 0o600  # and so does the archive
    assert len(modes) >= 13, modes  # nine formats, CSV as several files
    wanted = 0o666 & ~umask
    assert {name: oct(m) for name, m in modes.items()} == \
        {name: oct(wanted) for name in modes}
    assert umask_read == umask


def test_umask_is_read_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where /proc is missing, the set-and-restore fallback gives the same answer and
    leaves the umask as it was."""
    real_open = open

    def no_proc(path, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *a, **kw)

    before = os.umask(0o027)
    try:
        monkeypatch.setattr("builtins.open", no_proc)
        assert fsio.current_umask() == 0o027
        assert fsio.shared_file_mode() == 0o640
        monkeypatch.undo()
        assert fsio.current_umask() == 0o027
    finally:
        os.umask(before)


#: Modules that read (imports, verification) rather than write files to share.
_READERS = {"importer.py", "verify.py", "validate.py", "rederive.py", "files.py"}


def test_every_export_writes_through_atomic_write() -> None:
    """The mode rule lives in ``atomic_write``: no exporter opens files itself."""
    import ast

    bad = []
    for path in sorted((ROOT / "storage" / "export").glob("*.py")):
        if path.name in _READERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            owner = getattr(f.value, "id", "") if isinstance(f, ast.Attribute) else ""
            if name in {"mkstemp", "NamedTemporaryFile", "write_bytes", "write_text",
                        "copyfile", "copy", "copy2"} or (owner == "os" and name == "open"):
                bad.append(f"{path.name}:{node.lineno} {name}")
            elif isinstance(f, ast.Name) and name == "open" and len(node.args) > 1:
                bad.append(f"{path.name}:{node.lineno} open")
    assert bad == []
