# A fresh machine needs `make run` (demo on http://127.0.0.1:8000/) and `make test`.
# SQLite by default; set DATABASE_URL for PostgreSQL (see README.md).

PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Inside the venv, so that a new venv always reinstalls; newer than pyproject.toml otherwise.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
LANGS := -l sv -l en
PORT ?= 8000
APPS := cases workflows notifications identity records reporting quality
MESSAGE_IGNORES := --ignore=$(VENV) --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media

.PHONY: venv run test bench messages check browser saml pgbouncer axe

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	# The E-ARK validator for tests/records (docs/dependencies.md): without its exact pins
	# (lxml==5.1.0 would downgrade the lxml every other dependency runs on).
	$(PY) -m pip install --quiet --no-deps eark-validator==1.1.3 importlib-resources==5.12.0
	touch $@

# The web server and, beside it, the scheduler that fires the legal clocks (docs/clocks.md)
# and the django-tasks worker that sends notification e-mails (docs/notifications.md);
# Ctrl-C, or the web server ending, stops all three.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(PY) manage.py db_worker --interval 0.2 --no-reload & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$scheduler $$worker 2>/dev/null; wait $$scheduler $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv browser saml pgbouncer
	$(PY) -m pytest $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (tests/e2e), never a downloaded browser. Where apt
# may not install it, the browser tests skip loudly (and fail under CI_REQUIRE_ALL=1).
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y chromium >/dev/null 2>&1 || \
		(apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1) || \
		echo "Chromium could not be installed: the browser tests will skip."

# Debian's xmlsec1, with which pysaml2's identity provider signs in the SAML tests
# (tests/identity/test_saml.py); without it they skip loudly (and fail under CI_REQUIRE_ALL=1).
saml:
	@command -v xmlsec1 >/dev/null 2>&1 || apt-get install -y xmlsec1 >/dev/null 2>&1 || \
		(apt-get update >/dev/null 2>&1 && apt-get install -y xmlsec1 >/dev/null 2>&1) || \
		echo "xmlsec1 could not be installed: the SAML tests will skip."

# Debian's PgBouncer for tests/operations/test_pgbouncer.py (transaction pooling, the settings of
# deploy/pgbouncer/pgbouncer.ini); without it that test skips loudly (and fails under
# CI_REQUIRE_ALL=1). The replica test (tests/operations/test_replica.py) uses the PostgreSQL
# server's own binaries (initdb, pg_ctl, pg_basebackup), installed with the server.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || \
		apt-get install -y pgbouncer >/dev/null 2>&1 || \
		(apt-get update >/dev/null 2>&1 && apt-get install -y pgbouncer >/dev/null 2>&1) || \
		echo "PgBouncer could not be installed: its test will skip."
	@# Debian's package starts a pooler of its own on 6432; the test starts its own on a free port.
	@systemctl disable --now pgbouncer >/dev/null 2>&1 || true

# Refresh the vendored axe-core (MPL-2.0) from the npm registry; tests never fetch it.
axe:
	cd "$$(mktemp -d)" && npm pack --silent axe-core@4 && tar xzf axe-core-*.tgz && \
		cp package/axe.min.js "$(CURDIR)/tests/e2e/vendor/axe.min.js" && \
		cp package/LICENSE "$(CURDIR)/tests/e2e/vendor/axe-core-LICENSE.txt"

# bench/tasks.py twice: 16 client processes each running Django in-process, then 16 clients
# over HTTP to gunicorn with 4 workers, as docs/operations.md deploys it.
bench: venv
	$(PY) bench/run.py
	$(PY) bench/tasks.py
	$(PY) bench/tasks.py --server-workers 4 --open-tasks 0
	$(PY) bench/compilations.py
	$(PY) bench/records.py
	$(PY) bench/signals.py

# Each app keeps its own catalogues (django: Python and templates; djangojs: its scripts, served
# at /jsi18n/), with references relative to the app; the root catalogue (LOCALE_PATHS) keeps the
# pages' templates and drops what an app already holds, since it would override the app's entry.
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py makemessages --no-obsolete $(LANGS) $(MESSAGE_IGNORES) && \
		for app in $(APPS); do \
			(cd $$app && ../$(PY) ../manage.py makemessages --no-obsolete $(LANGS) && \
				../$(PY) ../manage.py makemessages -d djangojs --no-obsolete $(LANGS)) || exit 1; \
		done && \
		$(PY) locale/prune_root_catalogue.py $(APPS) && \
		$(PY) manage.py compilemessages $(LANGS) --ignore=$(VENV); \
	else \
		echo "msgfmt not found: install gettext to build translations."; \
	fi

# Django's checks, then the production settings as the deploy checks see them, with throwaway
# secrets; models that changed without a migration; ruff's lint and format (pyproject.toml);
# mypy once pyproject.toml configures it ([tool.mypy]), with a message saying so until then.
check: venv
	$(PY) manage.py check
	DEBUG=false SECRET_KEY=check-only-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
		AUDIT_HMAC_KEY=check-only-audit-key-0123456789-abcdefghijklmnop ALLOWED_HOSTS=kvalitet.kommun.example \
		$(PY) manage.py check --deploy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@if grep -q '^\[tool\.mypy\]' pyproject.toml; then \
		echo "$(PY) -m mypy"; $(PY) -m mypy; \
	else \
		echo "mypy skipped: pyproject.toml has no [tool.mypy] section."; \
	fi
