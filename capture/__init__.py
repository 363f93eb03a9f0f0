"""Headless capture: URL intake, fetching, extraction and the batch pipeline.

Nothing in this package imports Qt; everything here runs from the CLI, tests and the GUI alike.
"""
