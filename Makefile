# The README's commands. Each target creates and fills its own virtual environment first,
# so a fresh machine needs only Python 3.11 and make (and the package registry).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export AIRBYTE_OFFLINE_MODE := 1
export DO_NOT_TRACK := 1
export AIRBYTE_PROJECT_DIR := $(CURDIR)/.airbyte
export AIRBYTE_LOGGING_ROOT := $(CURDIR)/.airbyte/logs
export AIRBYTE_TEMP_DIR := $(CURDIR)/.airbyte/tmp

.PHONY: install demo test lint typecheck unit bench clean container-engine image

# The image tests run the README's `docker` lines through podman where no Docker daemon runs:
# tools/container/bin/docker comes first on PATH for the targets that run them.
CONTAINER_BIN := $(CURDIR)/tools/container/bin
IMAGE := airbyte/source-socialfetch-tiktok:dev

$(INSTALLED): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/pip install --disable-pip-version-check -q -e ".[tests,local,dbt,dbt-check]"
	touch $(INSTALLED)

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m integration_tests.demo

lint: $(INSTALLED)
	$(BIN)/ruff check .

typecheck: $(INSTALLED)
	$(BIN)/mypy source_socialfetch_tiktok socialfetch_local socialfetch_emulator bench --exclude socialfetch_emulator/tests

# Once per machine (then a no-op): podman from the apt repositories, and the Dockerfile's base image
# (pulled, or a stand-in built from Debian's packages where no registry answers).
container-engine:
	tools/container/setup-engine.sh

image: container-engine
	PATH="$(CONTAINER_BIN):$$PATH" docker build -t $(IMAGE) .

# The image is built once per run, by the first image test (integration_tests/conftest.py).
test: lint typecheck container-engine
	PATH="$(CONTAINER_BIN):$$PATH" $(BIN)/python -m pytest

bench: $(INSTALLED) image
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.dbt_models
	PATH="$(CONTAINER_BIN):$$PATH" $(BIN)/python -m bench.image

clean:
	rm -rf $(VENV) build .tmp .airbyte data *.egg-info
