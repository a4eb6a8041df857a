# Antrian: every command a newcomer needs, on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= $(HOME)/.local/share/antrian
DEMO_DB ?= $(DATA)/demo.sqlite

.PHONY: install run serve browser valgrind test test-unit test-integration test-e2e test-browser bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Antrian needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/antrian --db $(DEMO_DB) demo --fresh
	$(BIN)/antrian --db $(DEMO_DB) replay verify
	$(BIN)/antrian --db $(DEMO_DB) projections run --once
	$(BIN)/antrian --db $(DEMO_DB) queue --top 5
	$(BIN)/antrian --db $(DEMO_DB) report --top 5 --charts $(DATA)/demo-charts
	$(BIN)/antrian --db $(DEMO_DB) notifications dispatch
	@$(BIN)/antrian --db $(DEMO_DB) token revoke demo-viewer >/dev/null 2>&1 || true
	@echo "dashboard: http://127.0.0.1:$(PORT)/ui  (start it with: make serve)"
	@echo "viewer token for the demo store: $$($(BIN)/antrian --db $(DEMO_DB) token create --role viewer --name demo-viewer 2>/dev/null)"

# The HTTP API and the dashboard (/ui) over the demo store `make run` made; Ctrl-C stops it.
PORT ?= 8080
serve: install
	$(BIN)/antrian --db $(DEMO_DB) serve --port $(PORT)

# The browser tests drive Debian's chromium through its chromedriver: installed when missing
# (needs root; without it the browser tests skip, saying why, or fail under CI=true).
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		{ apt-get update -qq && apt-get install -y -qq chromium chromium-driver; } || \
		echo "chromium not installed: the browser tests will skip"

# bench.engine.instructions counts instructions under Debian's valgrind: installed when missing
# (needs root; without it that bench says it skipped).
valgrind:
	@test -x /usr/bin/valgrind || \
		{ apt-get update -qq && apt-get install -y -qq valgrind; } || \
		echo "valgrind not installed: bench.engine.instructions will skip"

test: install browser
	$(BIN)/pytest

test-browser: install browser
	$(BIN)/pytest tests/browser

test-unit: install
	$(BIN)/pytest tests/unit

test-integration: install
	$(BIN)/pytest tests/integration

test-e2e: install
	$(BIN)/pytest tests/e2e

# The benchmarks: the SQLite ones in-process (clean input, then part 5's policies counted in
# instructions under valgrind, since this machine's speed swings too much for a 15% target:
# bench/engine/instructions.py, then realistic traffic, then a planning run
# over 10,000 SKUs: bench/planning.py, then the allocation policies on three seeded scarce worlds:
# bench/allocation/), then Kafka + PostgreSQL (bench/kafka.py) on the local services, started
# first like `make kafka-up pg-up` (a failure there is reported by the Kafka bench, which still exits 0), then the read side (bench/projections.py; its Kafka part
# uses the broker started for the Kafka bench), then the HTTP service (bench/http/: `antrian serve` under
# load; its ~100,000-order demo store is built once, several minutes, and kept under .cache/bench/).
bench: install browser valgrind
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.engine.instructions
	$(BIN)/python -m bench.traffic
	$(BIN)/python -m bench.traffic --messages 41000 --skus 20
	$(BIN)/python -m bench.planning
	$(BIN)/python -m bench.allocation --seeds 1-3
	$(BIN)/python -m bench.whatif_history
	$(BIN)/python -m bench.timetravel
	-PYTHON=$(abspath $(BIN)/python) bash ops/kafka/kafka.sh up
	-bash ops/pg/pg.sh up
	$(BIN)/python -m bench.kafka
	$(BIN)/python -m bench.projections
	$(BIN)/python -m bench.http

# Style, types (mypy, strict on domain/) and the dependency rules (lint-imports: pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

# --- Real services for development and CI (no Docker needed) -----------------------------
# A single-node Kafka (KRaft) broker from Maven Central and a throwaway PostgreSQL cluster,
# both on 127.0.0.1; state under .cache/. Ports: ANTRIAN_KAFKA_PORT / ANTRIAN_PG_PORT, else
# free ones; the addresses land in .cache/kafka/bootstrap and .cache/pg/dsn.
.PHONY: services-up services-down kafka-up kafka-down kafka-status pg-up pg-down pg-status pg-restart

services-up: kafka-up pg-up

services-down: kafka-down pg-down

kafka-up: install
	PYTHON=$(abspath $(BIN)/python) bash ops/kafka/kafka.sh up

kafka-down:
	bash ops/kafka/kafka.sh down

kafka-status:
	bash ops/kafka/kafka.sh status

pg-up:
	bash ops/pg/pg.sh up

pg-down:
	bash ops/pg/pg.sh down

pg-status:
	bash ops/pg/pg.sh status

pg-restart:
	bash ops/pg/pg.sh restart
