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

.PHONY: book test setup clean-book bench catalogs twins pdf lite

# Two editions from one source (issue 15): English in _build/html, Korean in _build/html/ko (same
# page paths; translations from locales/ko/LC_MESSAGES, see locales/TRANSLATING.md). Both use the
# one execution cache _build/.jupyter_cache, so the Korean build runs no cell the English one ran.
book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python book/_ext/editions.py config ko
	$(BIN)/jupyter-book build . -W -n --keep-going --config _build/editions/_config.ko.yml \
	    --path-output _build/editions/ko
	rm -rf _build/html/ko
	cp -r _build/editions/ko/_build/html _build/html/ko
	$(MAKE) --no-print-directory lite

# The live edition (issue 17): a JupyterLite site in _build/html/lite (Pyodide fetched at build
# time, pinned and verified; the site needs no network). Chapters and assignments of every
# edition present become live notebooks. See book/_ext/lite.py.
lite: $(STAMP)
	$(BIN)/python book/_ext/lite.py

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

# Translation catalogs (issue 15; locales/TRANSLATING.md). After any English change:
#   make catalogs   gettext build of the book (nothing executed) -> locales/ko/LC_MESSAGES/book/*.po,
#                   the assignments' markdown -> locales/ko/LC_MESSAGES/assignments/*.po,
#                   the package's messages -> dlcourse/locale/ko/LC_MESSAGES/dlcourse.po;
#                   translations kept, changed paragraphs marked fuzzy; then a table of what is left.
#   make twins      solutions/<A>-ko/<A>-ko.ipynb from solutions/<A>/<A>.ipynb and its catalog.
GETTEXT := _build/editions/gettext/_build/gettext
catalogs: $(STAMP)
	$(BIN)/python book/_ext/editions.py config gettext
	rm -rf $(GETTEXT)
	$(BIN)/jupyter-book build . -W -n --keep-going --quiet --builder custom --custom-builder gettext \
	    --config _build/editions/_config.gettext.yml --path-output _build/editions/gettext
	$(BIN)/python book/_ext/editions.py fix-pot $(GETTEXT)
	$(BIN)/sphinx-intl update -p $(GETTEXT) -l ko -d locales -w 100 >/dev/null
	$(BIN)/python -m dlcourse.i18n_catalogs notebooks
	$(BIN)/python -m dlcourse.i18n_catalogs package
	$(BIN)/python -m dlcourse.i18n_catalogs stats

twins: $(STAMP)
	$(BIN)/python -m dlcourse.i18n_catalogs twins

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean-book:
	rm -rf _build
