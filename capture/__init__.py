"""Headless capture: URL parsing and keys, fetching, decoding, extraction, input reading.

Pure pieces that never touch the archive: nothing here imports ``storage``, ``intake``
(the batch pipeline, one layer up) or Qt; everything runs from the CLI, tests and the
GUI alike.
"""
