"""F3: results cross threads only through queued signals; widgets are touched on the
GUI thread only. The pipeline calls back from its worker threads (checked, so the
test means something); the controller's signals, which the window's panels are
connected to, must then be emitted on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QThread

from desktop.capture_controller import _default_factory


def test_capture_events_reach_widgets_on_the_gui_thread(qtbot, make_window, site_urls
                                                        ) -> None:  # noqa: ANN001
    gui = QCoreApplication.instance().thread()  # type: ignore[union-attr]
    signal_on_gui: list[bool] = []
    callback_threads: list[str] = []

    def factory(archive, settings, on_event):  # noqa: ANN001, ANN202
        def spy(event):  # noqa: ANN001, ANN202
            callback_threads.append(threading.current_thread().name)
            on_event(event)
        return _default_factory(archive, settings, spy)

    win = make_window(pipeline_factory=factory, resume_queue=False)
    win.controller.job_event.connect(
        lambda _e: signal_on_gui.append(QThread.currentThread() is gui))
    win.controller.batch_finished.connect(
        lambda _s: signal_on_gui.append(QThread.currentThread() is gui))
    with qtbot.waitSignal(win.controller.batch_finished, timeout=30000):
        win.controller.enqueue(site_urls[:2])
    assert callback_threads, "the pipeline reported nothing"
    assert all(name != threading.main_thread().name for name in callback_threads)
    assert len(signal_on_gui) >= 3 and all(signal_on_gui)
