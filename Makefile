# litellm-ov: `make run` starts the front door, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 4000
HOST ?= 0.0.0.0
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt

.PHONY: run ui ui-stop redis redis-stop test install install-dev lint typecheck bench bench-peer conformance lock clean

# The front door: the node plus LiteLLM's proxy (`pip install .` alone is the node).
$(VENV)/.stamp-base: pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[proxy]'
	@touch $@

$(VENV)/.stamp-ui: $(VENV)/.stamp-base
	$(PIP) -e '.[ui]'
	@touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-base
	$(PIP) -e '.[dev,convert,proxy,ui]' -e tests/example_plugin
	@touch $@

install: $(VENV)/.stamp-base
install-dev: $(VENV)/.stamp-dev
# The same key and environment for `run` and `ui`.
FRONT_DOOR_ENV = export LITELLM_MASTER_KEY="$${LITELLM_MASTER_KEY:-$$($(BIN)/python -m litellm_ov_provider.ops.bootstrap --show-key)}" \
		LITELLM_LOCAL_MODEL_COST_MAP=True OV_BOARD_PLUGINS="$${OV_BOARD_PLUGINS:-builtin}" \
		OV_IDLE_TTL_SECONDS="$${OV_IDLE_TTL_SECONDS:-300}" OV_MAX_LOADED_MODELS="$${OV_MAX_LOADED_MODELS:-3}" \
		OV_PINNED_MODELS="$${OV_PINNED_MODELS-smollm2-135m-instruct}"

# With DATABASE_URL (keys and spend shared with other front doors) `run` starts
# through make ui's launcher, which prepares that database first.
RUN_NEEDS := $(if $(DATABASE_URL),$(VENV)/.stamp-ui,$(VENV)/.stamp-base)
RUN_LAUNCHER := $(if $(DATABASE_URL),ov_admin_ui,litellm_ov_provider.ops.launch)

## run: set up, fetch the default model, start the LiteLLM proxy on $(HOST):$(PORT);
## REDIS_HOST/REDIS_PORT/REDIS_PASSWORD and DATABASE_URL join other front doors
run: $(RUN_NEEDS)
	@$(BIN)/python -m litellm_ov_provider.ops.bootstrap $(if $(LITELLM_MASTER_KEY),--skip-key,)
	@$(FRONT_DOOR_ENV); \
	echo "front door: http://$(HOST):$(PORT)/v1 (model: smollm2-135m-instruct)"; \
	exec $(BIN)/python -m $(RUN_LAUNCHER) --config config/litellm.yaml --host $(HOST) --port $(PORT)

## ui: `run` plus LiteLLM's admin UI at /ui, on a local PostgreSQL (installed as root
## when missing, else the apt command is printed); store_model_in_db on
ui: $(VENV)/.stamp-ui
	@$(BIN)/python -m litellm_ov_provider.ops.bootstrap $(if $(LITELLM_MASTER_KEY),--skip-key,)
	@$(FRONT_DOOR_ENV); \
	echo "front door: http://$(HOST):$(PORT)/v1 (model: smollm2-135m-instruct)"; \
	exec $(BIN)/python -m ov_admin_ui --config config/litellm.yaml --host $(HOST) --port $(PORT)

## ui-stop: stop make ui's PostgreSQL cluster
ui-stop: $(VENV)/.stamp-ui
	$(BIN)/python -m ov_admin_ui --stop

## redis: a local Redis (Debian's redis-server) for front doors sharing state; prints
## the REDIS_* settings they take (docs/scale-out.md)
redis: $(VENV)/.stamp-base
	@$(BIN)/python -m litellm_ov_provider.ops.redis_local start

## redis-stop: stop it
redis-stop: $(VENV)/.stamp-base
	@$(BIN)/python -m litellm_ov_provider.ops.redis_local stop

## test: set up and run the whole suite (unit, engine, real proxy end to end)
test: install-dev
	scripts/install-test-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

## bench: throughput and event-loop figures, side by side in one run (liveliness
## during a 5000-tool request too); the semantic router's accuracy and decision time
bench: install-dev
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/liveliness.py
	$(BIN)/python bench/board.py

## bench-peer: the front door, ov-llm-server and llama.cpp's llama-server (built once from
## the llama-cpp-python sdist into ~/.cache/litellm-ov) side by side on the same GGUF
bench-peer: install-dev
	$(BIN)/python bench/peer.py

## conformance: llama.cpp's server tests against a front door started as `make run`
## starts it (tests/conformance/README.md says which apply and why)
conformance: install-dev
	$(BIN)/python tests/conformance/llama_cpp/run.py

lock: install-dev
	{ echo '# Exact versions for every install (pip install -c). Regenerate with `make lock`.'; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^litellm-ov' \
	  | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > requirements/constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
