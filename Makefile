# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app server
HOST ?= 127.0.0.1
PORT ?= 5000
# Where townships and WeChat reach this service; the seed prints it in its township-sync command.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-python test-node install install-node db demo worker bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

miniprogram/node_modules/.installed: miniprogram/package.json
	cd miniprogram && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	touch $@

install-node: miniprogram/node_modules/.installed

db: install
	$(FLASK) db upgrade

demo: db
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) demo seed

run: demo
	@echo ""
	@echo "  流动党员之家 is starting at http://$(HOST):$(PORT)/"
	@echo "    county dashboard : http://$(HOST):$(PORT)/dashboard   (demo login: county / demo-county-2026)"
	@echo "    API documentation: http://$(HOST):$(PORT)/api/docs"
	@echo "    health           : http://$(HOST):$(PORT)/healthz"
	@echo "  WeChat is the built-in loopback emulator (WECHAT_EMULATOR=1). Ctrl-C stops."
	@echo ""
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

test-python: install
	@echo "== Python suite on the embedded defaults (SQLite, memory://)"
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== Python suite on PostgreSQL and Redis ($$TEST_DATABASE_URL, $${TEST_REDIS_URL:-memory://})"; \
		$(BIN)/pytest; \
	else \
		echo "(set TEST_DATABASE_URL and TEST_REDIS_URL to run the suite on PostgreSQL and Redis too)"; \
	fi

test-node: install-node
	cd miniprogram && npm test

test: test-node test-python

worker: install
	$(FLASK) worker

# Benchmarks (PostgreSQL + Redis on this machine; not part of the tests). BENCH_ARGS=--quick for a short check.
bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) miniprogram/node_modules instance
