# Targets are documented in README.md; `make help` lists them. `make test` is the project's test command
# (.ci/run calls it). Each target's `## ` comment is its line in `make help`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := pyproject.toml requirements.txt requirements-dev.txt services/requirements.txt services/pyproject.toml $(wildcard policies/*/requirements.txt)

.PHONY: test lint pytest install bench help

help: ## every target, one line each
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(STAMP) ## create .venv and install every pinned dependency

# Reinstall only when a requirements file changes.
$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .   # ecs_event_patterns, from any directory
	touch $@

lint: $(STAMP) ## ruff, ruff format --check, mypy --strict, hadolint, actionlint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(wildcard __main__.py ecs_event_patterns services policies tools tests benchmarks)
	$(BIN)/mypy examples/own-job   # on its own: its __main__.py is another program's
	$(BIN)/hadolint services/Dockerfile examples/own-job/Dockerfile
	$(BIN)/actionlint

# Tests run in parallel, one process per core (pytest-xdist), each process with its own moto_server; then
# the tests marked `timing` (deadlines of a second or two) run alone, so a busy core cannot fail them.
# `loadgroup` keeps the tests of one `xdist_group` (the end-to-end run in tests/e2e) on one process.
PYTEST_WORKERS ?= auto
pytest: $(STAMP) ## every test under tests/
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not timing"
	$(BIN)/python -m pytest -m timing

test: lint pytest ## lint, then every test (what CI runs)

# Offline policy gate for one stack of this project: `make gate STACK=dev` (exit 1 on a mandatory violation);
# GATE_FLAGS adds gate options, e.g. GATE_FLAGS="--sarif gate.sarif --summary $$GITHUB_STEP_SUMMARY".
.PHONY: gate
gate: $(STAMP) ## offline policy gate for one stack: make gate STACK=dev
	$(if $(STACK),,$(error STACK is required, e.g. make gate STACK=dev))
	$(BIN)/python -m tools.policy_gate --stack $(STACK) $(GATE_FLAGS)

# Benchmarks (not part of `make test`): queue, ingest, gate, scaling and cost, each figure beside its
# baseline, appended as one dated entry to benchmarks/RESULTS.md (`python -m benchmarks --help`).
bench: $(STAMP) ## the benchmarks, each figure beside its baseline, appended to benchmarks/RESULTS.md
	@test -x /usr/bin/time || { echo "make bench: /usr/bin/time (GNU time) measures peak memory and is missing;" \
		"install it: sudo apt-get install time" >&2; exit 1; }
	$(BIN)/python -m benchmarks

# Monthly cost of one stack's resource graph at a stated load: `make cost STACK=prod`.
.PHONY: cost
cost: $(STAMP) ## monthly cost of one stack's graph at a stated load: make cost STACK=prod
	$(if $(STACK),,$(error STACK is required, e.g. make cost STACK=prod))
	$(BIN)/python -m benchmarks.cost --stack $(STACK)

# The stack's graph on an embedded moto_server (or ENDPOINT=URL), the four flows played with the real
# workers and the least-privilege table: `make demo [STACK=dev] [ENDPOINT=http://127.0.0.1:4566]`.
.PHONY: demo
demo: $(STAMP) ## the stack deployed onto moto, the four flows end to end: make demo [STACK=dev] [ENDPOINT=URL]
	$(BIN)/python -m tools.demo --stack $(or $(STACK),dev) $(if $(ENDPOINT),--endpoint $(ENDPOINT))
