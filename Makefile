# Targets are documented in README.md. `make test` is the project's test command (.ci/run calls it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt services/requirements.txt $(wildcard policies/*/requirements.txt)

.PHONY: test lint pytest install bench

install: $(STAMP)

# Reinstall only when a requirements file changes.
$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(wildcard __main__.py components services policies tools tests benchmarks)
	$(BIN)/hadolint services/Dockerfile
	$(BIN)/actionlint

# Tests run in parallel, one process per core (pytest-xdist), each process with its own moto_server; then
# the tests marked `timing` (deadlines of a second or two) run alone, so a busy core cannot fail them.
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not timing"
	$(BIN)/python -m pytest -m timing

test: lint pytest

# Offline policy gate for one stack of this project: `make gate STACK=dev` (exit 1 on a mandatory violation);
# GATE_FLAGS adds gate options, e.g. GATE_FLAGS="--sarif gate.sarif --summary $$GITHUB_STEP_SUMMARY".
.PHONY: gate
gate: $(STAMP)
	$(if $(STACK),,$(error STACK is required, e.g. make gate STACK=dev))
	$(BIN)/python -m tools.policy_gate --stack $(STACK) $(GATE_FLAGS)

# Benchmarks (not part of `make test`): queue, ingest, gate, scaling and cost, each figure beside its
# baseline, appended as one dated entry to benchmarks/RESULTS.md (`python -m benchmarks --help`).
bench: $(STAMP)
	@test -x /usr/bin/time || { echo "make bench: /usr/bin/time (GNU time) measures peak memory and is missing;" \
		"install it: sudo apt-get install time" >&2; exit 1; }
	$(BIN)/python -m benchmarks

# Monthly cost of one stack's resource graph at a stated load: `make cost STACK=prod`.
.PHONY: cost
cost: $(STAMP)
	$(if $(STACK),,$(error STACK is required, e.g. make cost STACK=prod))
	$(BIN)/python -m benchmarks.cost --stack $(STACK)
