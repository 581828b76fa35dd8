# The book's commands. `make help` lists them.
SHELL := /bin/bash
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TEX_PACKAGES := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex latexmk fonts-freefont-otf texlive-plain-generic tex-gyre xindy poppler-utils
BROWSER_PACKAGES := chromium

.DEFAULT_GOAL := help
.PHONY: help book html pdf test unit nbval booktest outputs changes figure bench mutation lab venv system-deps tex browser clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The locked install (requirements.txt) goes through uv, pinned here and bootstrapped into the venv: about
# three times faster than pip from empty caches (16 s against 48 s, measured on 2 cores). Where uv cannot be
# installed, pip installs the same lock.
UV_PIN := uv==0.13.10
UV := $(VENV)/bin/uv

$(STAMP): requirements.txt pyproject.toml
	$(PY_SYS) -m venv $(VENV)
	@if $(PY) -m pip install --quiet --disable-pip-version-check $(UV_PIN); then \
	  echo "$(UV) pip install -r requirements.txt"; \
	  $(UV) pip install --quiet --python $(PY) --compile-bytecode -r requirements.txt && \
	  $(UV) pip install --quiet --python $(PY) --no-deps -e .; \
	else echo "NOTE: $(UV_PIN) could not be installed; installing the lock with pip"; \
	  $(PY) -m pip install --quiet -r requirements.txt && $(PY) -m pip install --quiet --no-deps -e .; fi
	touch $@

venv: $(STAMP) ## Create .venv with the pinned dependencies and the helpers (editable)

tex: ## Install the TeX packages the PDF needs (apt-get, as root)
	@if command -v xelatex >/dev/null && command -v latexmk >/dev/null && kpsewhich tgtermes.sty >/dev/null && command -v pdftotext >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing TeX for the PDF: $(TEX_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else echo "The PDF needs these Debian packages; install them as root:"; \
	  echo "  sudo apt-get install $(TEX_PACKAGES)"; exit 1; fi

browser: ## Install Debian's chromium for the real-browser test (as root; skipped otherwise)
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(BROWSER_PACKAGES) for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null) \
	    || echo "NOTE: chromium could not be installed; the browser test will be SKIPPED"; \
	else echo "NOTE: not root, chromium not installed; the browser test will be SKIPPED (sudo apt-get install chromium)"; fi

system-deps: tex browser ## Install every Debian package the project uses

html: $(STAMP) ## Execute what changed and build the HTML (_build/html)
	$(PY) -m helpers.site html --jobs $(JOBS)

pdf: $(STAMP) tex ## Build the PDF (_build/latex/book.pdf)
	$(PY) -m helpers.site pdf --jobs $(JOBS)

book: $(STAMP) system-deps html pdf ## Set up everything, execute the notebooks, build HTML and PDF
	@echo "HTML: _build/html/index.html   PDF: _build/latex/book.pdf"

unit: $(STAMP) ## Unit tests of the helpers and the ledger
	$(PY) -m pytest -q tests -m "not book"

nbval: $(STAMP) ## Regression-test every notebook's stored outputs (parallel)
	PKBOOK_LEDGER_CACHE=1 $(PY) -m pytest -q -p no:randomly --nbval chapters --sanitize-with tests/sanitize.cfg -n $(JOBS) --dist loadfile

booktest: $(STAMP) ## Tests of the built HTML and PDF (builds what is missing or stale)
	$(MAKE) --no-print-directory system-deps html pdf
	$(PY) -m pytest -q tests -m book

test: $(STAMP) ## All tests: unit, data validation, nbval, built-book checks
	$(MAKE) --no-print-directory system-deps
	$(PY) -m pytest -q -rs tests -m "not book" -n $(JOBS)
	rm -rf _build/chart-data _build/audit
	$(MAKE) --no-print-directory nbval
	@# nbval has just shown that a fresh run reproduces every stored output: build from those, not a second run
	$(PY) -m helpers.execute --adopt _build/site/chapters
	$(MAKE) --no-print-directory html pdf
	$(PY) -m pytest -q -rs tests -m book -n $(JOBS)

outputs: $(STAMP) ## Re-execute notebooks in place (deterministic stored outputs for nbval)
	$(PY) -m helpers.execute --in-place --jobs $(JOBS) $(if $(NB),--only $(NB))

changes: $(STAMP) ## Ledger rows, shown figures and verdicts changed since SINCE=<tag or commit> (default: last edition)
	$(PY) -m helpers.changes $(if $(SINCE),--since $(SINCE))

figure: $(STAMP) ## One figure: its row, source and URL, the pages and sections showing it, checks and conflicts (ID=<ledger id>)
	@if [ -z "$(ID)" ]; then echo "usage: make figure ID=<ledger id>   (e.g. make figure ID=hs-local-2024-pta)"; exit 2; fi
	@$(PY) -m helpers.figure "$(ID)"

bench: $(STAMP) system-deps ## Time builds against floors in one run (writes bench/results.md; BENCH_FULL=1 adds make test, BENCH_SETUP=1 the Python set-up)
	$(PY) tools/bench.py

mutation: $(STAMP) ## Mutate ledger values the book shows (a sample; FULL=1 every one), JOBS at once; print the share nbval catches
	$(PY) tools/mutation.py --jobs $(JOBS) $(if $(FULL),--full) $(if $(SAMPLE),--sample $(SAMPLE)) $(if $(BUDGET),--budget $(BUDGET))

LAB_VERSION := 4.6.6
lab: $(STAMP) ## Open the notebooks in JupyterLab with the project's kernel (installs jupyterlab 4.6.6, pinned, once)
	$(VENV)/bin/jupyter-lab --version >/dev/null 2>&1 || $(PY) -m pip install --quiet "jupyterlab==$(LAB_VERSION)"
	$(VENV)/bin/jupyter-lab chapters/

clean: ## Remove built files (keeps .venv)
	rm -rf _build
