"""J2, the decoder process's life: one persistent process serves call after call, is
replaced after a kill (timeout), a crash or many images, and leaves no process behind
when it is shut down. The bounds themselves are held by ``test_j2_image_decoding.py``.

Processes are checked without psutil: ``os.waitpid`` says whether a child is still
ours to reap (a zombie would be), ``/proc`` whether a decoder still runs.
"""

from __future__ import annotations

import hashlib
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.helpers import ROOT, run_python
from tests.reliability.test_j2_image_decoding import GRADIENT_SVG, _blur_pile
from tests.support.fixture_site import png_bytes

pytestmark = pytest.mark.gui


def decoder_children() -> list[int]:
    """Processes whose parent is this one and that run the image decoder (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"image_worker" in cmdline:
            found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    """The child ``pid`` ended and was reaped (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not Path(f"/proc/{pid}").exists() or pid not in decoder_children()
    return False  # still ours to reap: running, or a zombie


@pytest.fixture(autouse=True)
def _fresh_decoders() -> Iterator[None]:
    from desktop.image_decode import clear_cache, shutdown

    shutdown()
    clear_cache()
    yield
    shutdown()
    clear_cache()


def test_j2_successive_calls_are_served_by_the_same_decoder_process() -> None:
    from desktop.image_decode import decode_archived, decoder_pids

    first = decode_archived({"a": png_bytes(30, 20, rgb=(200, 10, 10))})
    assert set(first) == {"a"}
    pids = decoder_pids()
    assert len(pids) == 1 and decoder_children() == pids
    second = decode_archived({"b": png_bytes(31, 21), "c": GRADIENT_SVG})  # cache misses
    assert set(second) == {"b", "c"} and (second["b"].width, second["b"].height) == (31, 21)
    assert decoder_pids() == pids and decoder_children() == pids


@pytest.mark.timeout(90)
def test_j2_a_timed_out_decoder_is_killed_reaped_and_replaced() -> None:
    from desktop.image_decode import decode_archived, decoder_pids

    decode_archived({"warm": png_bytes(12, 12)})
    (old,) = decoder_pids()
    decoded = decode_archived({"slow": _blur_pile(8000), "photo": png_bytes(40, 30)},
                              round_timeout=3, deadline=10)
    assert set(decoded) == {"photo"}  # decoded first, by the process later killed
    assert gone(old)
    (new,) = decoder_pids()  # its successor, started at once
    assert new != old
    after = decode_archived({"next": png_bytes(41, 31)})
    assert set(after) == {"next"}
    assert decoder_pids() == [new] and decoder_children() == [new]


def test_j2_a_decoder_that_died_while_idle_costs_no_image() -> None:
    """Killed from outside between two articles: the next article's images are not
    blamed (not refused), a new process decodes them."""
    from desktop.image_decode import decode_archived, decoder_pids

    decode_archived({"warm": png_bytes(12, 12)})
    (old,) = decoder_pids()
    os.kill(old, signal.SIGKILL)  # this test's own child
    decoded = decode_archived({"a": png_bytes(20, 10), "b": GRADIENT_SVG})
    assert set(decoded) == {"a", "b"}
    assert gone(old) and decoder_pids() != [old]


def test_j2_decoder_is_recycled_after_many_images(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop import decoder_process
    from desktop.image_decode import decode_archived, decoder_pids

    monkeypatch.setattr(decoder_process, "RECYCLE_AFTER_IMAGES", 3)
    assert set(decode_archived({"a": png_bytes(10, 10), "b": png_bytes(11, 10)})) == {"a", "b"}
    (old,) = decoder_pids()
    assert set(decode_archived({"c": png_bytes(12, 10)})) == {"c"}  # the 3rd: then retired
    assert gone(old)
    (new,) = decoder_pids()
    assert new != old
    assert set(decode_archived({"d": png_bytes(13, 10)})) == {"d"}
    assert decoder_pids() == [new] and decoder_children() == [new]


@pytest.mark.timeout(90)
def test_j2_decoder_is_replaced_after_a_large_image() -> None:
    """A 36 MP photo (144 MB of pixels before it is scaled) makes the decoder retire:
    the next article gets a fresh process, not one that keeps that memory."""
    from desktop.image_decode import decode_archived, decoder_pids

    assert set(decode_archived({"small": png_bytes(10, 10)})) == {"small"}
    (old,) = decoder_pids()
    big = decode_archived({"big": png_bytes(6000, 6000, rgb=(9, 99, 199))})
    assert (big["big"].width, big["big"].height) == (680, 680)
    assert gone(old)
    (new,) = decoder_pids()
    assert new != old
    assert set(decode_archived({"next": png_bytes(11, 10)})) == {"next"}
    assert decoder_pids() == [new] and decoder_children() == [new]


def test_j2_shutdown_leaves_no_decoder_process() -> None:
    from desktop.image_decode import decode_archived, decoder_pids, shutdown

    decode_archived({"a": png_bytes(12, 12)})
    pids = decoder_pids()
    assert pids and decoder_children() == pids
    shutdown()
    assert decoder_pids() == [] and decoder_children() == []
    assert all(gone(pid) for pid in pids)


@pytest.mark.timeout(90)
def test_j2_shutdown_during_a_decoding_kills_it_without_waiting() -> None:
    """The window closing while an article's slow SVG is decoded: the process is
    killed now (not at its 30 s timeout), the call returns, nothing is left."""
    from desktop.image_decode import decode_archived, decoder_pids, shutdown

    decode_archived({"warm": png_bytes(12, 12)})
    (pid,) = decoder_pids()
    result: dict[str, object] = {}
    worker = threading.Thread(target=lambda: result.update(
        decode_archived({"slow": _blur_pile(8000)}, round_timeout=30, deadline=30)))
    started = time.monotonic()
    worker.start()
    # bounded poll: the decoder is busy once its CPU time grows (from /proc)
    cpu = _cpu_ticks(pid)
    while _cpu_ticks(pid) < cpu + 20 and time.monotonic() - started < 20:
        time.sleep(0.05)
    shutdown()
    worker.join(30)
    assert not worker.is_alive()
    assert time.monotonic() - started < 25  # generous: killed, not waited for (30 s)
    assert result == {} and gone(pid) and decoder_children() == []
    from desktop import image_decode

    key = (hashlib.sha256(_blur_pile(8000)).hexdigest(), image_decode.MAX_IMAGE_WIDTH,
           image_decode.MAX_IMAGE_HEIGHT)
    assert image_decode._cache.get(key) == (False, None)  # not cached as refused


@pytest.mark.timeout(90)
def test_j2_a_slow_article_does_not_hold_up_the_next_one() -> None:
    """Two articles at once (the reporter clicked on while a slow SVG decodes): the
    second is decoded by the pool's other process, not after the first one's timeout;
    never more than two decoder processes."""
    from desktop.decoder_process import POOL_SIZE
    from desktop.image_decode import decode_archived, decoder_pids, shutdown

    decode_archived({"warm": png_bytes(12, 12)})
    (first,) = decoder_pids()
    slow: dict[str, object] = {}
    worker = threading.Thread(target=lambda: slow.update(
        decode_archived({"slow": _blur_pile(8000)}, round_timeout=40, deadline=40)))
    started = time.monotonic()
    worker.start()
    cpu = _cpu_ticks(first)
    while _cpu_ticks(first) < cpu + 20 and time.monotonic() - started < 20:
        time.sleep(0.05)  # bounded poll: until the first process is busy with the SVG
    decoded = decode_archived({"next": png_bytes(33, 22), "chart": GRADIENT_SVG})
    assert set(decoded) == {"next", "chart"}
    assert worker.is_alive()  # the slow one still decoding: the second did not wait for it
    assert len(decoder_pids()) == POOL_SIZE == 2 and first in decoder_pids()
    assert len(decoder_children()) == 2
    shutdown()
    worker.join(30)
    assert not worker.is_alive() and slow == {} and decoder_children() == []


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 1 << 30
    return int(fields[11]) + int(fields[12])  # utime + stime


# ---------------------------------------------------------------- the decoder's side

def _request(*items: bytes) -> bytes:
    from desktop.image_worker import encode_request

    return encode_request(list(items), 680, 5440)


def test_j2_decoder_retires_by_itself_when_it_has_grown() -> None:
    """Past its memory (or CPU) mark the decoder answers the request, says it retires
    and reads no further request."""
    code = ("import io, sys\n"
            "from desktop import image_worker as w\n"
            "from tests.support.fixture_site import png_bytes\n"
            "w.RETIRE_RSS = 1\n"
            "req = w.encode_request([png_bytes(5, 4)], 680, 5440)\n"
            "out = io.BytesIO()\n"
            "w.serve(io.BytesIO(req + req), out, w._Decoder())\n"
            "sys.stdout.write(out.getvalue().hex())\n")
    proc = run_python(code, timeout=60)
    out = bytes.fromhex(proc.stdout.strip())
    assert out[:9] == struct.pack(">BII", 0, 5, 4), proc.stderr[-2000:]
    assert out[9 + 5 * 4 * 4:] == b"\x03"  # one answer, then END_RETIRING, nothing more


@pytest.mark.timeout(60)
def test_j2_frozen_launcher_flag_serves_request_after_request() -> None:
    """The packaged app's launcher with the decoder flag runs the persistent loop."""
    from desktop.image_worker import WORKER_FLAG

    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "cuttings_launcher.py"),
                           WORKER_FLAG],
                          input=_request(png_bytes(3, 2)) + _request(b"junk", png_bytes(2, 2)),
                          capture_output=True, timeout=50, env=env, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    first = struct.pack(">BII", 0, 3, 2) + b"?" * (3 * 2 * 4) + b"\x02"
    assert out[:9] == first[:9] and out[len(first) - 1:len(first)] == b"\x02"
    rest = out[len(first):]
    assert rest[0] == 1  # "junk" refused
    (size,) = struct.unpack_from(">H", rest, 1)
    rest = rest[3 + size:]
    assert rest[:9] == struct.pack(">BII", 0, 2, 2) and rest[9 + 16:] == b"\x02"
