"""One desktop of a shared archive, as a child process: ``python -m
tests.support.shared_worker DB`` opens the archive, re-queues abandoned claims, prints
``READY``, waits for a line on stdin, then runs the capture pipeline over every
queued job and prints ``DONE <job_id>`` per capture and ``END <done> <failed>``.
"""

from __future__ import annotations

import sys

from capture.settings import Settings
from intake.pipeline import CapturePipeline, JobEvent
from storage.archive import Archive


def main(argv: list[str]) -> int:
    settings = Settings(allow_local_network=True, workers=2, per_host=2, retries=0,
                        total_deadline=20, download_images=False)
    archive = Archive.open(argv[0])
    archive.reset_interrupted_jobs()
    print("READY", flush=True)
    sys.stdin.readline()

    def on_event(ev: JobEvent) -> None:
        if ev.state == "done":
            print(f"DONE {ev.job_id}", flush=True)

    pipeline = CapturePipeline(archive, settings, on_event=on_event)
    try:
        summary = pipeline.run()
    finally:
        pipeline.close()
        archive.close()
    print(f"END {summary.done} {summary.failed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
