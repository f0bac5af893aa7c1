# The two commands a newcomer needs:  `make run` (install + start the bot on SQLite) and `make test` (all tests,
# on SQLite and then on PostgreSQL). Everything else is a building block of those two.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgresql://127.0.0.1:5432/test
PORT ?= 5000

.PHONY: run chat worker test test-sqlite test-postgres install bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# The web app and the background worker together; Ctrl-C stops both. In development the sandbox page is at /sandbox.
run: install
	$(BIN)/flask --app wsgi init-db
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)}; export PUBLIC_BASE_URL; \
	  $(BIN)/flask --app wsgi worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  echo "Try it in a browser (development, no Twilio account set): $$PUBLIC_BASE_URL/sandbox"; \
	  $(BIN)/flask --app wsgi run --port $(PORT)

# Talk to the bot in this terminal (another terminal can keep `make run` going for the Zoom sandbox's pages).
chat: install
	$(BIN)/flask --app wsgi init-db
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)} $(BIN)/flask --app wsgi chat --as $(or $(AS),+919940790402)

worker: install
	$(BIN)/flask --app wsgi worker

# The layers' import rules first (pyproject.toml, [tool.importlinter]), then the suite on both databases.
test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q

test-sqlite: install
	$(BIN)/python -m pytest -q

test-postgres: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q

# In-process figures, the reminder sweep's scan over 100,000 bookings, then the load benchmark (gunicorn + worker + wrk, SQLite and PostgreSQL; wrk from Debian).
bench: install
	command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	$(BIN)/python -m bench.run
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m bench.reminders
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) instance .pytest_cache
