"""Build of the one optional compiled piece: storage/_fts5rank.c (cuttings_bm25()).

Everything else is declared in pyproject.toml. The extension is optional: without a
C compiler or SQLite's headers the install still succeeds and search keeps FTS5's
own bm25(), only slower on very common words and phrases.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("storage._fts5rank", sources=["storage/_fts5rank.c"],
                  libraries=["sqlite3"], optional=True),
    ],
)
