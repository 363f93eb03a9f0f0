"""Headless storage: SQLAlchemy models, the Archive facade, blobs, search, export.

Nothing in this package imports Qt.
"""
