"""Intake: what brings pages into the archive — the capture pipeline (queued jobs ->
fetch -> extract -> store) and the import of pages saved from a browser.

The one layer that drives both halves: it imports :mod:`capture` (fetching, decoding,
extraction, URL keys; all pure, never touching the archive) and :mod:`storage` (the
archive the results land in). Neither of those imports this package. Nothing here
imports Qt.
"""
