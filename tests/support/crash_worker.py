"""Run the real capture pipeline in a child process, acknowledging each commit.

Usage: python -m tests.support.crash_worker DB URL... (or --resume).
Prints ``ACK <job_id> <article_id>`` on stdout after each capture is committed
(the pipeline emits ``done`` only after the transaction), so the parent knows
which captures were acknowledged when it kills this process.
"""

from __future__ import annotations

import sys

from capture.settings import Settings
from intake.pipeline import CapturePipeline, JobEvent
from storage.archive import Archive


def main(argv: list[str]) -> int:
    db, urls = argv[0], argv[1:]
    settings = Settings(allow_local_network=True, workers=2, per_host=2, retries=0,
                        total_deadline=10, download_images=False)
    archive = Archive.open(db)
    archive.reset_interrupted_jobs()
    if urls and urls != ["--resume"]:
        archive.enqueue(urls)

    def on_event(ev: JobEvent) -> None:
        if ev.state == "done":
            print(f"ACK {ev.job_id} {ev.article_id}", flush=True)

    pipeline = CapturePipeline(archive, settings, on_event=on_event)
    summary = pipeline.run()
    print(f"END {summary.done} {summary.failed}", flush=True)
    pipeline.close()
    archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
