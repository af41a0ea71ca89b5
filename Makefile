# StageSub. `make run` starts the app with demo data, `make test` runs every test; see README.md.
# The logic lives in scripts/ (setup.sh, run.sh, test.sh); these targets only call it.

SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test setup lint clean-data help

DATA_DIR := $(if $(STAGESUB_DATA_DIR),$(STAGESUB_DATA_DIR),data)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

run: ## set up, migrate, create demo logins on first run, serve at http://localhost:3000 (default target)
	@scripts/run.sh

test: ## run unit, integration (PostgreSQL) and browser tests; PYTEST_ARGS="-k cli" narrows them
	@scripts/test.sh $(PYTEST_ARGS)

setup: ## create .venv with runtime and test dependencies, install bun into .tools
	@scripts/setup.sh dev

lint: setup ## ruff check
	@.venv/bin/ruff check .

clean-data: ## delete the data directory (central and orchestra SQLite databases, secret key, demo logins)
	@dir="$$(realpath -m -- "$(DATA_DIR)")"; \
	case "$$dir" in \
	  / | "$$(realpath -m ~)" | "$$(pwd)") echo "clean-data: refusing to delete $$dir" >&2; exit 1 ;; \
	esac; \
	if [ -e "$$dir" ]; then rm -rf -- "$$dir" && echo "clean-data: deleted $$dir"; \
	else echo "clean-data: nothing to delete ($$dir does not exist)"; fi
