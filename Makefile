# Convnet Origins. Two commands are all a learner needs: `make lab` and `make test`.
# Each creates .venv with $(PYTHON) if missing and installs requirements.txt into it first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab colab colab-check check-pip book test unit notebooks portable browser widgets7 export execute results reproducible check-mnist bench mutants lesson-stats solutions hints install clean help

help:
	@echo "make lab      open the course in JupyterLab"
	@echo "make test     run the unit tests and execute every notebook against its stored outputs"
	@echo "make portable  run the notebooks' checks as other CPUs would (other instruction sets, BLAS paths, threads)"
	@echo "make browser  check widgets, figures and the book in headless Chromium (JupyterLab; builds the book first)"
	@echo "make widgets7 run the widget tests on ipywidgets 7, as Colab has it (in build/ipywidgets7)"
	@echo "make colab-check  run every notebook as Colab would: its setup cell installs the helpers into Colab's packages"
	@echo "make check-pip    run the README's plain-pip commands as written in a fresh clone (about 6 GB in build/)"
	@echo "make execute  re-run every notebook in place (FORCE=1 to overwrite uncommitted edits)"
	@echo "make results  refresh the README's results table from results/*.json"
	@echo "make reproducible  execute every notebook twice and prove the files are byte-identical"
	@echo "make check-mnist   run every notebook with CONVNETS_DATA=mnist (SMALL=1: on a small MNIST-format folder)"
	@echo "make colab REPO=owner/name  point every Colab badge and setup cell at your fork"
	@echo "make book     build the course as a website in build/book/ (from the stored outputs)"
	@echo "make export   copy the notebooks' #@save cells into helpers/<slug>.py (after editing such a cell)"
	@echo "make bench    print the benchmarks' measured figures (each notebook's wall time and peak memory too)"
	@echo "make solutions  a teacher's copy of every notebook with its exercises answered, run and checked, in build/solutions/"
	@echo "make hints    list every self-check's hints for teachers in TEACHING.md (after editing a check)"
	@echo "make lesson-stats  what a learner reads per notebook: words, code on screen, CI scaffolding, diagrams"
	@echo "make mutants  mutation testing of the shared plumbing (mutmut, installed on first use; about 25 min): score per module, goal 85%"

install: $(STAMP)

BOOK_STAMP := $(VENV)/.installed-book

$(BOOK_STAMP): requirements-book.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-book.txt
	@touch $(BOOK_STAMP)

# The course as a website in build/book/, from the notebooks' stored outputs: executes nothing, needs no network.
book: $(BOOK_STAMP)
	$(BIN)/python scripts/build_book.py

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

lab: $(STAMP)
	@$(BIN)/python scripts/lab.py

# A teacher's fork: point every Colab badge and setup cell (and pyproject.toml) at owner/name.
colab: $(STAMP)
	@test -n "$(REPO)" || { echo "usage: make colab REPO=owner/name (your fork on GitHub)"; exit 2; }
	$(BIN)/python scripts/colab.py $(REPO)

# `make test` must not rewrite files a learner keeps: results and images go to build/ or nowhere.
# One pytest run on two workers, one thread each (pytest-xdist; --dist loadfile keeps each notebook's
# cells in one kernel, in order, and each test file on one worker). Work is handed out in the order
# given, so the longest notebooks go first and the unit tests fill the gaps: both cores stay busy.
# The outputs compared do not depend on the thread count: `make portable` checks that.
TEST_ENV := OMP_NUM_THREADS=1 CONVNETS_PROGRESS=0 CONVNETS_IMAGES=0 CONVNETS_RESULTS=build/test-results.json
LONGEST_FIRST := $(foreach n,06 02 05 03 04 01 07 08,$(filter notebooks/$(n)_%,$(NOTEBOOKS)))
NOTEBOOK_ORDER := $(LONGEST_FIRST) $(filter-out $(LONGEST_FIRST),$(NOTEBOOKS))

test: $(STAMP)
	@mkdir -p build
	$(TEST_ENV) $(BIN)/python -m pytest --nbval --nbval-current-env -n 2 --dist loadfile $(NOTEBOOK_ORDER) tests --ignore=tests/browser

unit: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile tests --ignore=tests/browser

notebooks: $(STAMP)
	@mkdir -p build
	$(TEST_ENV) $(BIN)/python -m pytest --nbval --nbval-current-env -n 2 --dist loadfile $(NOTEBOOK_ORDER)

# A teacher's copy of each notebook with every exercise answered (from solutions/NN_slug.py), run top to bottom into
# build/solutions/; fails unless every check prints Right (two notebooks at a time, about 3 minutes).
solutions: $(STAMP)
	$(BIN)/python scripts/build_solutions.py

# TEACHING.md lists every check's hints, read from helpers/exercises/ (a test says when the list is out of date).
hints: $(STAMP)
	$(BIN)/python scripts/hints.py

# In a real browser (headless Chromium): widgets in JupyterLab, every notebook's figures, and the book
# (built first, so this installs requirements-book.txt). Each check skips, saying why, without chromium;
# CONVNETS_REQUIRE_BROWSER=1 (CI) turns each skip into a failure that says what is missing.
# The workflows' lint runs here too: its actionlint comes with the book's tooling (`make test` skips it).
browser: $(STAMP) $(BOOK_STAMP)
	$(BIN)/python scripts/build_book.py
	$(BIN)/python -m pytest tests/browser tests/test_workflows.py

# The widgets' Python side on ipywidgets 7 (Colab's version), in a small env beside .venv.
widgets7: $(STAMP)
	$(BIN)/python scripts/check_ipywidgets7.py

# Every notebook as Colab runs it, offline: an env with what Colab preinstalls (ipywidgets 7; torch and the
# rest borrowed from .venv), the setup cell's own pip line installing the helpers from a local copy of this
# commit, each notebook alone in an empty folder; nbval, and figures and results in that folder.
colab-check: $(STAMP)
	$(BIN)/python scripts/check_colab.py

# The README's "Without make" lines, as written, in a fresh clone: they pass and leave the tree unchanged.
check-pip: $(STAMP)
	$(BIN)/python scripts/check_plain_pip.py

# The stored outputs hold on other CPUs: nbval again under other instruction sets, BLAS paths and thread counts.
portable: $(STAMP)
	$(BIN)/python scripts/check_portable.py $(PORTABLE_ARGS)

# The notebooks' #@save cells -> helpers/<slug>.py (generated files: edit the notebook, then run this).
export: $(STAMP)
	$(BIN)/python scripts/export_saved.py

execute: $(STAMP)
	$(BIN)/python scripts/export_saved.py
	$(BIN)/python scripts/execute_notebooks.py $(if $(FORCE),--force,)
	$(BIN)/python scripts/results_table.py

reproducible: $(STAMP)
	$(BIN)/python scripts/check_reproducible.py

results: $(STAMP)
	$(BIN)/python scripts/results_table.py

check-mnist: $(STAMP)
	$(BIN)/python scripts/check_mnist.py $(if $(SMALL),--small,)
	$(if $(SMALL),,$(BIN)/python scripts/results_table.py)

lesson-stats: $(STAMP)
	$(BIN)/python scripts/lesson_stats.py

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Mutation testing of the plumbing every notebook relies on (data, train, augment, anatomy, drawing, windows'
# output_map and decode, pooling's operators) against the unit tests, in a copy under build/mutants/ (helpers/ is
# never touched); mutmut is installed into .venv on first use. Prints the score per module and fails below 85%.
# MUTANTS_ARGS="--modules data,train" for a subset, "--resume" to go on after an interruption. Not in CI: it is slow.
mutants: $(STAMP)
	$(BIN)/python scripts/mutants.py $(MUTANTS_ARGS)

clean:
	rm -rf build .pytest_cache
