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

.PHONY: install demo test lint typecheck unit bench clean container-engine image snowflake-emulator

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

# The Snowflake emulator's own venv: fakesnow needs snowflake-connector-python 4, which airbyte 0.71.3
# (in .venv) refuses. integration_tests/test_dbt_snowflake.py runs its server and dbt-snowflake from here.
SNOWFLAKE_VENV := .venv-snowflake
SNOWFLAKE_REQUIREMENTS := integration_tests/dbt_snowflake_project/requirements.txt
$(SNOWFLAKE_VENV)/.installed: $(SNOWFLAKE_REQUIREMENTS)
	rm -rf $(SNOWFLAKE_VENV)
	$(PYTHON) -m venv $(SNOWFLAKE_VENV)
	$(SNOWFLAKE_VENV)/bin/pip install --disable-pip-version-check -q --upgrade pip
	$(SNOWFLAKE_VENV)/bin/pip install --disable-pip-version-check -q -r $(SNOWFLAKE_REQUIREMENTS)
	touch $@

snowflake-emulator: $(SNOWFLAKE_VENV)/.installed

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
# REQUIRE_SNOWFLAKE_EMULATOR: the emulator's tests fail, not skip, if its venv cannot run.
# TEST_WORKERS: pytest-xdist processes (the tests wait on subprocesses and HTTP more than they
# compute); `make test TEST_WORKERS=0` runs them serially, in one process.
TEST_WORKERS ?= 3
test: lint typecheck container-engine snowflake-emulator
	REQUIRE_SNOWFLAKE_EMULATOR=1 PATH="$(CONTAINER_BIN):$$PATH" $(BIN)/python -m pytest -n $(TEST_WORKERS)

bench: $(INSTALLED) image
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.shards
	$(BIN)/python -m bench.dbt_models
	PATH="$(CONTAINER_BIN):$$PATH" $(BIN)/python -m bench.image

clean:
	rm -rf $(VENV) $(SNOWFLAKE_VENV) build .tmp .airbyte data *.egg-info
