# Everything here needs only python3 and npm on the machine: the virtual environment
# and the pinned CDK CLI and Node.js (from package-lock.json) are installed on first use.
VENV := .venv
PYTHON := $(VENV)/bin/python
# The pinned Node.js and CDK CLI come first, so jsii and cdk run on them.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup synth deploy lint typecheck test rehearse bench dist clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

synth: setup
	cdk synth --quiet

deploy: setup
	cdk deploy --all $(CDK_ARGS)

lint: setup
	ruff check .
	ruff format --check .

typecheck: setup
	mypy

test: lint typecheck
	pytest

# Deploys the example app with the pinned CDK CLI to a local AWS emulator (moto on 127.0.0.1,
# started and stopped by the command), then compares what it reads back with the template.
rehearse: setup
	$(PYTHON) -m rehearsal.rehearse

# The figures the README quotes: synthesis against hand-written L1 code (jsii on the pinned
# Node.js, as in the tests) and the simulator. Not part of `make test`: timings need a quiet machine.
bench: setup
	$(PYTHON) benchmarks/synthesis_benchmark.py
	$(PYTHON) benchmarks/simulation_benchmark.py

# A wheel and an sdist in dist/, built from the pinned setuptools and checked by twine.
dist: setup
	rm -rf dist
	python -m build --no-isolation --outdir dist .
	twine check --strict dist/*

clean:
	rm -rf $(VENV) node_modules cdk.out dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
