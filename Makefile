# Developer / CI entry points. `make help` lists them; CI runs `bash .ci/run`, i.e. `make test`.
#
# Everything is installed by this repository, pinned:
#   .venv/          Python 3.13 (preferred; see scripts/find-python.sh) + requirements-dev.txt
#   .venv-sam/      the SAM CLI + its full pinned dependency set, requirements-sam.txt (its pins clash with .venv)
#   .venv-lint/     cfn-lint 1.53.0 (deliberately pinned) + its full pinned set, requirements-lint.txt
#   .venv-checkov/  checkov + its full pinned set, requirements-checkov.txt (its old pins clash with the others)
#   node_modules/   asl-validator, from package.json + package-lock.json (npm ci)
#   /usr/bin/chromium  Debian's chromium (make browser, apt-get, when missing): tests/browser open the index page in it
# Each is (re)installed only when its requirement files change (stamp files inside each directory).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --warn-undefined-variables

VENV      := .venv
SAM_VENV  := .venv-sam
LINT_VENV := .venv-lint
CHECKOV_VENV := .venv-checkov
CHROMIUM  ?= /usr/bin/chromium
TEMPLATE  := template.yaml
LAYER_REQUIREMENTS := layers/closing_docs/python/requirements.txt
ASL_FILES  = $(sort $(wildcard statemachine/*.asl.json))

ARGS        ?=
PYTEST_ARGS ?=

DEV_STAMP  := $(VENV)/.make-installed
SAM_STAMP  := $(SAM_VENV)/.make-installed
LINT_STAMP := $(LINT_VENV)/.make-installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.make-installed
NODE_STAMP := node_modules/.make-installed

# SAM CLI: no telemetry, never near a real account. `sam validate --lint` and `sam build` need neither
# credentials nor network (1.170.0 only checks PyPI for updates in init/deploy/publish/traces/pipeline).
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-central-1
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
# checkov: no version check against PyPI, no Prisma Cloud / Bridgecrew id mapping download.
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true
export BC_SKIP_MAPPING := TRUE

# sam's python3.13 workflow (the functions) and layers/closing_docs/Makefile (the layer: BuildMethod makefile) look
# for `python3.13` on PATH: put .venv/bin (a Python 3.13 venv, with the pinned pip that fetches the layer's arm64
# wheels, and the interpreter that compiles the layer's bytecode) first.
SAM := env PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(SAM_VENV)/bin/sam

section = @printf '\n==================== %s ====================\n' "$(1)" >&2

.PHONY: help setup browser lint ruff asl validate cfnlint checkov typecheck build pytest test demo format clean distclean

help:
	@echo "make setup      install .venv (Python 3.13 + requirements-dev.txt), .venv-sam (SAM CLI), .venv-lint (cfn-lint),"
	@echo "                .venv-checkov (checkov), node_modules"
	@echo "make test       setup and browser, then: ruff, mypy, asl-validator, sam validate --lint, cfn-lint, checkov,"
	@echo "                sam build, pytest"
	@echo "                (what CI runs)"
	@echo "make demo       install .venv only, then run the local pipeline: .venv/bin/python -m local.run \$$ARGS"
	@echo "                (archive and index in out/archive/; clean JSON on stdout: make -s demo ARGS=--json)"
	@echo "make lint       ruff + asl-validator + sam validate --lint + cfn-lint 1.53.0 + checkov"
	@echo "make cfnlint    the pinned cfn-lint (1.53.0) on template.yaml"
	@echo "make checkov    checkov on template.yaml: no failed check (skips only inline, with a reason)"
	@echo "make build      sam build (python3.13, arm64) into .aws-sam/; the layer, with its bytecode, by"
	@echo "                layers/closing_docs/Makefile"
	@echo "make pytest     only the tests (PYTEST_ARGS=... passed to pytest); needs make browser"
	@echo "make browser    install Debian's chromium (apt-get, as root) if $(CHROMIUM) is missing: tests/browser use it"
	@echo "make typecheck  mypy on the closing_docs package"
	@echo "make format     ruff format + ruff check --fix (rewrites files)"
	@echo "make clean      remove build output and caches; 'make distclean' also removes venvs and node_modules"

# ---------------------------------------------------------------------------------------------- setup
setup: $(DEV_STAMP) $(SAM_STAMP) $(LINT_STAMP) $(CHECKOV_STAMP) $(NODE_STAMP)

# Silent recipe (@): the banner names the step, and scripts/venv.sh prints to stderr only, so that even a first
# `make demo ARGS=--json > run.json` (with or without -s) writes nothing but the runner's JSON to stdout.
$(DEV_STAMP): requirements-dev.txt $(LAYER_REQUIREMENTS) scripts/venv.sh scripts/find-python.sh
	$(call section,setup: $(VENV) (requirements-dev.txt))
	@scripts/venv.sh $(VENV) requirements-dev.txt
	@touch $@

$(SAM_STAMP): requirements-sam.txt scripts/venv.sh scripts/find-python.sh
	$(call section,setup: $(SAM_VENV) (requirements-sam.txt))
	scripts/venv.sh $(SAM_VENV) requirements-sam.txt
	$(SAM_VENV)/bin/sam --version
	touch $@

$(LINT_STAMP): requirements-lint.txt scripts/venv.sh scripts/find-python.sh
	$(call section,setup: $(LINT_VENV) (requirements-lint.txt))
	scripts/venv.sh $(LINT_VENV) requirements-lint.txt
	$(LINT_VENV)/bin/cfn-lint --version
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt scripts/venv.sh scripts/find-python.sh
	$(call section,setup: $(CHECKOV_VENV) (requirements-checkov.txt))
	scripts/venv.sh $(CHECKOV_VENV) requirements-checkov.txt
	$(CHECKOV_VENV)/bin/checkov --version
	touch $@

$(NODE_STAMP): package.json package-lock.json
	$(call section,setup: node_modules (npm ci))
	npm ci --no-audit --no-fund
	touch $@

# Headless Chromium for tests/browser (the archive's index page, README "The archive's index"): Debian's own package,
# from Debian's registry like any system package, installed only when missing. CI runs as root on a fresh Debian
# machine; without root this says what to run. The tests fail (not skip) without it. Fonts are only recommended by
# chromium: fonts-dejavu-core (Cyrillic, and the page's ✓ ∅ ✗) makes screenshots readable on a bare machine.
browser:
	$(call section,browser: Debian's chromium for tests/browser)
	@if [[ -x "$(CHROMIUM)" ]]; then \
	    echo "$(CHROMIUM) is installed"; \
	elif [[ "$$(id -u)" -ne 0 ]]; then \
	    echo "tests/browser need $(CHROMIUM); as root: apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core" >&2; \
	    exit 1; \
	elif ! command -v apt-get >/dev/null; then \
	    echo "no apt-get here: install Chromium and set CHROMIUM=/path/to/it (the tests read it too)" >&2; exit 1; \
	else \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core; \
	fi
	@"$(CHROMIUM)" --version 2>/dev/null || { echo "$(CHROMIUM) does not run" >&2; exit 1; }

# ----------------------------------------------------------------------------------------------- gates
lint: ruff asl validate cfnlint checkov

ruff: setup
	$(call section,ruff check .)
	$(VENV)/bin/ruff check .

asl: setup
	$(call section,asl-validator $(ASL_FILES))
	@if [[ -z "$(ASL_FILES)" ]]; then echo "no statemachine/*.asl.json to validate" >&2; exit 1; fi
	node_modules/.bin/asl-validator $(foreach f,$(ASL_FILES),--json-path $(f))

validate: setup
	$(call section,sam validate --lint)
	$(SAM) validate --lint --template $(TEMPLATE)

# The deliberately pinned cfn-lint (see requirements-lint.txt), for the deployment region; warnings fail too.
cfnlint: setup
	$(call section,$$($(LINT_VENV)/bin/cfn-lint --version) on $(TEMPLATE))
	$(LINT_VENV)/bin/cfn-lint --regions $(AWS_DEFAULT_REGION) -- $(TEMPLATE)

# Every check on every resource of the template; a check that does not apply is skipped inline, on the resource
# (Metadata: checkov: skip: - id, comment), with the reason. Offline: no download, no update check. checkov exits 0
# on a template it cannot parse (it reports "Parsing errors: 1" or nothing), so that fails here too.
CHECKOV = $(CHECKOV_VENV)/bin/checkov --file $(TEMPLATE) --framework cloudformation --skip-download --quiet --compact
checkov: setup
	$(call section,checkov on $(TEMPLATE))
	@echo '$(CHECKOV)'
	@out="$$($(CHECKOV) 2>&1)" && status=0 || status=$$?; \
	printf '%s\n' "$$out"; \
	if [[ $$status -ne 0 ]]; then exit $$status; fi; \
	if ! grep -q '^Passed checks: [1-9]' <<<"$$out" || grep -q 'Parsing errors' <<<"$$out"; then \
	    echo "checkov did not scan $(TEMPLATE) (see above)" >&2; exit 1; fi

build: setup
	$(call section,sam build (python3.13 / arm64))
	@if [[ ! -x $(VENV)/bin/python3.13 ]]; then \
	    echo "sam build needs Python 3.13 but $(VENV) was built with $$($(VENV)/bin/python -V 2>&1);" \
	         "install 3.13 (e.g. pyenv install 3.13) and run 'make distclean setup'" >&2; exit 1; fi
	$(SAM) build --template $(TEMPLATE)

typecheck: setup
	$(call section,mypy)
	$(VENV)/bin/mypy

pytest: setup browser
	$(call section,pytest)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test: setup browser ruff typecheck asl validate cfnlint checkov build pytest
	$(call section,make test: all gates passed)

# ------------------------------------------------------------------------------------------------ misc
# The demo needs only .venv (no SAM CLI, cfn-lint, checkov or node_modules: over 1 GB it never uses). Banners and
# set-up lines go to stderr and the recipes are silent, so `make demo ARGS="--json"` prints nothing but the runner's
# JSON on stdout, on a first run too (tests/local/test_first_run.py). The archive lands in out/archive/.
demo: $(DEV_STAMP)
	$(call section,.venv/bin/python -m local.run $(ARGS))
	@PYTHONPATH="$(CURDIR):$(CURDIR)/layers/closing_docs/python$${PYTHONPATH:+:$$PYTHONPATH}" \
	    $(VENV)/bin/python -m local.run $(ARGS)

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf .aws-sam out .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -path ./$(VENV) -prune -o -path ./$(SAM_VENV) -prune -o -path ./$(LINT_VENV) -prune \
	    -o -path ./$(CHECKOV_VENV) -prune -o -path ./node_modules -prune -o \
	    -type d -name __pycache__ -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) $(SAM_VENV) $(LINT_VENV) $(CHECKOV_VENV) node_modules
