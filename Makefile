# The two commands of the README:
#   make book   set up (first time) and build the HTML textbook into _build/html
#   make test   set up (first time) and run every test
# Set-up is a virtual environment in .venv with the package installed editable.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The engine multiplies small matrices: one BLAS thread per process is faster on this
# kind of machine than several fighting over two cores (and notebooks, kernels and test
# processes run side by side).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: book test setup clean-book bench lite

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(MAKE) --no-print-directory lite

# The live edition (issue 17): a JupyterLite site in _build/html/lite (Pyodide fetched at build
# time, pinned and verified; the site needs no network). Chapters and assignments of every
# edition present become live notebooks. See book/_ext/lite.py.
lite: $(STAMP)
	$(BIN)/python book/_ext/lite.py

test: $(STAMP)
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean-book:
	rm -rf _build
