# The two commands of the README:
#   make book   set up (first time) and build the HTML textbook into _build/html
#   make test   set up (first time) and run every test
#   make pdf    print the built book to _build/pdf/dlcourse-<edition>.pdf (after make book)
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

.PHONY: book test setup clean-book bench pdf

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# One PDF per edition present in _build/html (English; Korean from _build/html/ko/), printed by
# Debian's chromium (book/_tools/make_pdf.py). Builds the HTML first when there is none.
pdf: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python book/_tools/make_pdf.py --html _build/html --out _build/pdf

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
