"""Persistent image decoder processes (:mod:`desktop.image_worker`) and the pool that
lends them out (docs/reliability.md J2).

Same shape as :mod:`capture.extract.bounded` (a process started once, reused, killed
at a deadline by its own pid and replaced), but a plain ``subprocess`` with a binary
pipe protocol rather than ``multiprocessing``: the child must load Qt, which the
capture side never imports, and the frozen app starts it with its own launcher flag.

A :class:`DecoderProcess` is started lazily (or ahead of time by :meth:`prestart`),
answers any number of rounds, and is

* killed when a round overstays its timeout, or sends anything that is not a
  well-formed answer; the caller learns how many images were answered and why it
  stopped, exactly as with a one-off process;
* reaped when it crashed or hit its memory limit (the round ends early: same);
* replaced after :data:`RECYCLE_AFTER_IMAGES` images, and whenever it says it retires
  (its CPU time or peak memory grew: see :mod:`desktop.image_worker`).

A process that ended is replaced at once (the successor loads Qt while the reporter
reads), so only the very first article, when nothing was pre-started, waits for a
start. The CPU limit is the process's own (``CPU_SECONDS`` in all, never more): the
decoder retires at half of it, so a round in a reused process still has at least
``CPU_SECONDS / 2`` of CPU time, more than :data:`desktop.image_decode.ROUND_TIMEOUT`.

Every process that ends is waited for (no zombies); :meth:`DecoderPool.shutdown` stops
them all (the window does it when it closes, ``atexit`` as a backstop), and a child whose
parent died sees its stdin end and exits.

Thread rules: a :class:`DecoderProcess` serves one caller at a time (``run`` holds its
lock); :class:`DecoderPool` is shared by any threads and lends each round a process of
its own (at most :attr:`DecoderPool.size` run at once). ``shutdown`` and ``prestart``
may be called from any thread and never wait for a round.
"""

from __future__ import annotations

import logging
import os
import selectors
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from desktop.image_worker import END_READY, END_RETIRING, WORKER_FLAG, encode_request

log = logging.getLogger(__name__)

RECYCLE_AFTER_IMAGES = 500  # images one process decodes before it is replaced
POOL_SIZE = 2  # processes decoding at once (the reader opening one article, the next)
_STOP_WAIT = 2.0  # seconds a process asked to stop may take before it is killed
_READ_CHUNK = 1 << 20
_STDERR_KEEP = 2000

_ROOT = Path(__file__).resolve().parents[1]  # the folder holding the ``desktop`` package


class Pixels:
    """One decoded image as the decoder sent it (``width*height*4`` bytes)."""

    __slots__ = ("height", "pixels", "width")

    def __init__(self, width: int, height: int, pixels: bytes) -> None:
        self.width, self.height, self.pixels = width, height, pixels


Answer = Pixels | str  # pixels, or why the image was refused


class DecoderShutDown(Exception):
    """The round's process was stopped by :meth:`DecoderProcess.close` (the app is
    closing): its images are not to blame."""


def command() -> list[str]:
    """How to start a decoder process (the frozen app's launcher knows the flag)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "desktop.image_worker"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["MALLOC_ARENA_MAX"] = "2"  # fewer 64 MB malloc arenas in the address-space limit
    return env


class _Answers:
    """Parses the decoder's output as it arrives; checked, since it is the decoder's word."""

    def __init__(self, count: int, max_width: int, max_height: int) -> None:
        self.count, self.max_width, self.max_height = count, max_width, max_height
        self.results: list[Answer] = []
        self.end: bytes | None = None  # END_READY / END_RETIRING once the round is complete
        self.bad = False  # something that is not an answer: trust nothing after it
        self._buf = bytearray()

    @property
    def finished(self) -> bool:
        return self.end is not None or self.bad

    def feed(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while not self.finished and buf:
            if len(self.results) == self.count:
                end = bytes(buf[:1])
                self.bad = end not in (END_READY, END_RETIRING) or len(buf) > 1
                self.end = None if self.bad else end
                return
            status = buf[0]
            if status == 1:
                if len(buf) < 3:
                    return
                (size,) = struct.unpack_from(">H", buf, 1)
                if len(buf) < 3 + size:
                    return
                self.results.append(bytes(buf[3:3 + size]).decode("utf-8", "replace"))
                del buf[:3 + size]
            elif status == 0:
                if len(buf) < 9:
                    return
                width, height = struct.unpack_from(">II", buf, 1)
                if not (0 < width <= self.max_width and 0 < height <= self.max_height):
                    self.bad = True  # not what was asked for
                    return
                size = width * height * 4
                if len(buf) < 9 + size:
                    return
                with memoryview(buf) as view:  # one copy of the pixels, not two
                    pixels = bytes(view[9:9 + size])
                self.results.append(Pixels(width, height, pixels))
                del buf[:9 + size]
            else:
                self.bad = True
                return


class DecoderProcess:
    """One persistent decoder process, started on first use, killed at a round's
    timeout. One round at a time (its lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._images = 0  # images sent to the current process
        self._closed_in_round = False  # close() killed the process of the round under way

    @property
    def pid(self) -> int | None:
        """The running process's id (None before the first round or after it ended)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def prestart(self) -> None:
        """Start the process now, if none runs and no round is under way (never waits)."""
        if self._lock.acquire(blocking=False):
            try:
                self._ensure_started()
            except OSError as exc:
                log.warning("image decoder could not start: %s", exc)
            finally:
                self._lock.release()

    def run(self, items: list[bytes], max_width: int, max_height: int,
            timeout: float) -> tuple[list[Answer], str]:
        """Decode ``items`` in this process within ``timeout`` seconds (its start
        included when it was not running): the answers it finished, in order, and, when
        it stopped early, why. Raises OSError when no process can be started,
        :class:`DecoderShutDown` when :meth:`close` stopped it meanwhile."""
        stop_at = time.monotonic() + timeout
        request = encode_request(items, max_width, max_height)
        with self._lock:
            self._closed_in_round = False
            fresh = self._proc is None or self._proc.poll() is not None
            proc = self._ensure_started()
            answers, reason = self._exchange(proc, request, len(items), max_width,
                                             max_height, stop_at, timeout)
            if not fresh and not answers.results and reason.startswith("the decoder stopped") \
                    and not self._closed_in_round:
                # It had died while idle (killed from outside, say), before this round:
                # the images are not to blame. Once more, in a new process.
                log.info("idle image decoder %s had ended; starting a new one", proc.pid)
                proc = self._ensure_started()
                answers, reason = self._exchange(proc, request, len(items), max_width,
                                                 max_height, stop_at, timeout)
            if self._closed_in_round:
                self._stop(gently=False)
                raise DecoderShutDown()
            self._images += len(items)
            if answers.end == END_RETIRING or (answers.end == END_READY
                                               and self._images >= RECYCLE_AFTER_IMAGES):
                log.debug("image decoder %s recycled after %d image(s)", proc.pid, self._images)
                self._stop(gently=True)
            elif answers.end is None:
                self._stop(gently=False)  # timed out, crashed or spoke nonsense
            if self._proc is None:  # its successor loads now, ready for the next article
                try:
                    self._ensure_started()
                except OSError as exc:
                    log.warning("image decoder could not start: %s", exc)
            return answers.results, reason

    def close(self) -> None:
        """Stop the process: gently when idle, killed when a round is under way (that
        round then ends as if the decoder had stopped). Any thread; does not wait for
        the round."""
        if self._lock.acquire(blocking=False):
            try:
                self._stop(gently=True)
            finally:
                self._lock.release()
        else:
            proc = self._proc
            if proc is not None:
                self._closed_in_round = True
                _kill(proc)  # the round's thread sees its pipe end and cleans up

    # internals (under self._lock) ---------------------------------------------------

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._stop(gently=False)
        proc = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=environment(), cwd="/",
                                close_fds=True)
        os.set_blocking(proc.stdin.fileno(), False)  # type: ignore[union-attr]
        self._proc, self._images = proc, 0
        log.debug("image decoder %s started", proc.pid)
        return proc

    def _exchange(self, proc: subprocess.Popen[bytes], request: bytes, count: int,
                  max_width: int, max_height: int, stop_at: float,
                  timeout: float) -> tuple[_Answers, str]:
        """Send one request and read its answers until complete, the pipe ends, the
        answers go wrong or ``stop_at`` passes; a process that did not complete the
        round is killed and reaped here."""
        answers = _Answers(count, max_width, max_height)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        view = memoryview(request)
        sent = 0
        said = bytearray()
        reason = ""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdin, selectors.EVENT_WRITE)
            sel.register(proc.stdout, selectors.EVENT_READ)
            sel.register(proc.stderr, selectors.EVENT_READ)
            while not answers.finished:
                left = stop_at - time.monotonic()
                if left <= 0:
                    reason = f"took longer than {timeout:.0f} s to decode"
                    break
                events = sel.select(left)
                ended = False
                for key, _mask in events:
                    if key.fileobj is proc.stdin:
                        try:
                            sent += os.write(proc.stdin.fileno(), view[sent:sent + _READ_CHUNK])
                        except BlockingIOError:
                            continue
                        except OSError:  # it is gone; the read side says more
                            sel.unregister(proc.stdin)
                            continue
                        if sent == len(view):
                            sel.unregister(proc.stdin)
                        continue
                    data = os.read(key.fd, _READ_CHUNK)  # type: ignore[arg-type]
                    if key.fileobj is proc.stderr:
                        if not data:
                            sel.unregister(proc.stderr)
                        elif len(said) < _STDERR_KEEP:
                            said += data[:_STDERR_KEEP - len(said)]
                        continue
                    if not data:
                        ended = True
                        break
                    answers.feed(data)
                if ended:
                    break
        view.release()
        if said:
            log.debug("image decoder said: %s", said.decode("utf-8", "replace"))
        if answers.end is not None:
            return answers, ""
        if reason or answers.bad:
            _kill(proc)
            _reap(proc)
            return answers, reason or "the decoder stopped early"
        try:  # its output ended: it is exiting (crashed, out of memory); its status
            proc.wait(_STOP_WAIT)
        except subprocess.TimeoutExpired:
            _kill(proc)
        code = _reap(proc)
        return answers, (f"the decoder stopped (exit status {code})" if code
                         else "the decoder stopped early")

    def _stop(self, *, gently: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if gently and proc.poll() is None:
            try:
                proc.stdin.close()  # type: ignore[union-attr]  # it reads EOF and exits
            except OSError:
                pass
            try:
                proc.wait(_STOP_WAIT)
            except subprocess.TimeoutExpired:
                pass
        _kill(proc)
        _reap(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill this process's own child by its pid (a no-op once it has ended)."""
    try:
        proc.kill()
    except OSError:
        pass


def _reap(proc: subprocess.Popen[bytes]) -> int | None:
    """Wait for an ended (or killed) child so it leaves no zombie; close its pipes."""
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignored
        log.error("image decoder %s did not end after SIGKILL", proc.pid)
        code = None
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass
    return code


class DecoderPool:
    """Up to ``size`` decoder processes shared by any threads; a round waits for a free
    one at most until its caller's deadline."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.size = max(1, size)
        self._all = [DecoderProcess() for _ in range(self.size)]
        self._idle = list(self._all)
        self._free = threading.Condition()

    def pids(self) -> list[int]:
        """Ids of the decoder processes running now."""
        return [pid for p in self._all if (pid := p.pid) is not None]

    def prestart(self) -> None:
        """Start one process ahead of the first article (never waits; any thread)."""
        with self._free:
            if any(p.pid is not None for p in self._all) or not self._idle:
                return
            process = self._idle[-1]
        process.prestart()

    def run(self, items: list[bytes], max_width: int, max_height: int, timeout: float,
            wait_until: float) -> tuple[list[Answer], str] | None:
        """One round on a free process (see :meth:`DecoderProcess.run`); None when none
        came free before ``wait_until`` (a monotonic time). Raises OSError and
        :class:`DecoderShutDown` as :meth:`DecoderProcess.run` does."""
        process = self._take(wait_until)
        if process is None:
            return None
        try:
            return process.run(items, max_width, max_height,
                               min(timeout, max(0.0, wait_until - time.monotonic())))
        finally:
            with self._free:
                self._idle.append(process)
                self._free.notify()

    def shutdown(self) -> None:
        """Stop every process (idle ones gently, busy ones killed). The pool stays
        usable: a later round starts a new process. Any thread."""
        for process in self._all:
            process.close()

    def _take(self, wait_until: float) -> DecoderProcess | None:
        with self._free:
            while not self._idle:
                left = wait_until - time.monotonic()
                if left <= 0:
                    return None
                self._free.wait(left)
            # a running (warm) process first: it answers without starting Python and Qt
            warm = [p for p in self._idle if p.pid is not None]
            process = warm[-1] if warm else self._idle[-1]
            self._idle.remove(process)
            return process

