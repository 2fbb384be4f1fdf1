# Two commands for a newcomer:
#   make try    render the template with default answers and serve it on http://127.0.0.1:8000
#   make test   run every test of the template (renders, hooks, generated projects' own checks)
# Both need only Python 3.11+, git and make: uv is installed into .venv-tools/ on first use.
# make bench measures the generated service (about 10 minutes; see the README's Benchmark section).

PYTHON ?= python3
TOOLS := .venv-tools
UV := $(CURDIR)/$(TOOLS)/bin/uv
TRY_DIR := $(CURDIR)/.try
export UV_PYTHON_DOWNLOADS ?= never

# The generated project requires the Python version it was rendered for; try renders for the
# python3 at hand when it is one of the choices (default 3.12 otherwise).
TRY_PYTHON := $(shell $(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; print(v if v in ("3.11", "3.12", "3.13") else "3.12")')

.PHONY: try test lock bench bench-instructions lint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

try: $(UV)
	rm -rf $(TRY_DIR)
	$(UV) tool run --from 'cookiecutter>=2.7.1' cookiecutter --no-input --output-dir $(TRY_DIR) . python_version=$(TRY_PYTHON)
	cd $(TRY_DIR)/my-service && UV_PYTHON=$(PYTHON) $(MAKE) install migrate run UV=$(UV)

test: $(UV)
	$(UV) run --locked pytest -n auto --dist worksteal $(PYTEST_ARGS)

# Maintainers, after changing the generated pyproject.toml's dependencies: re-resolve the generated
# project's uv.lock for every combination of the options that change them, into
# {{cookiecutter.project_slug}}/.locks/ (about 5 s a combination). LOCK_ARGS=--upgrade: newest versions;
# LOCK_ARGS="--only sqlite-no_ml_serving-none-no_use_kubernetes": that combination alone.
lock: $(UV)
	UV=$(UV) $(UV) run --locked python scripts/lock.py $(LOCK_ARGS)

# Renders, installs and serves the service and its baselines, loads them with wrk (installed with
# apt-get if missing) and writes .bench/results.json and .bench/results.md. BENCH_ARGS=--smoke: seconds.
bench: $(UV)
	$(UV) run --locked python bench/run.py $(BENCH_ARGS)

# The middleware's cost per /health request in instructions, under valgrind: no load noise. 3 minutes.
bench-instructions: $(UV)
	$(UV) run --locked python bench/instructions.py $(BENCH_ARGS)

lint: $(UV)
	$(UV) run ruff check hooks tests bench scripts
	$(UV) run ruff format --check hooks tests bench scripts

clean:
	rm -rf $(TOOLS) .venv $(TRY_DIR) .bench .pytest_cache .ruff_cache
