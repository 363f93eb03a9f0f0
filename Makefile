# The two commands: `make run` (set up and open the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint venv screenshots bench clean

$(STAMP): pyproject.toml setup.py storage/_fts5rank.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/cuttings

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

screenshots: $(STAMP)
	$(BIN)/python packaging/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info
