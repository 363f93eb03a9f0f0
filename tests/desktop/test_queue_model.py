"""The queue model keeps its per-state counts right as events arrive (O(1) each)."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.queue_panel import COL_PROGRESS, JobsModel
from intake.pipeline import JobEvent
from storage.archive import JobInfo


def test_counts_follow_events():
    model = JobsModel()
    now = datetime.now(UTC)
    model.set_jobs([JobInfo(i, f"https://a.example/{i}", "queued", 0, None, None, None, False,
                            now) for i in range(1, 4)])
    assert model.counts() == {"queued": 3}
    model.apply_event(JobEvent(1, "https://a.example/1", "running", "fetching", progress=0.1))
    model.apply_event(JobEvent(1, "https://a.example/1", "running", "saving", progress=0.9))
    assert model.counts() == {"queued": 2, "running": 1}
    assert model.index(0, COL_PROGRESS).data() == 90
    model.apply_event(JobEvent(1, "https://a.example/1", "done", article_id=7, progress=1.0))
    model.apply_event(JobEvent(2, "https://a.example/2", "failed", message="HTTP 500",
                               progress=1.0))
    model.apply_event(JobEvent(9, "https://a.example/9", "queued"))  # a job not listed yet
    assert model.counts() == {"queued": 2, "done": 1, "failed": 1}
    assert model.rowCount() == 4
    assert model.index(0, COL_PROGRESS).data() is None  # finished rows show no bar
    assert model.job_at(0).article_id == 7
    assert model.job_at(1).message == "HTTP 500"
