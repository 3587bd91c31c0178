# A fresh machine needs `make run` (demo on http://127.0.0.1:8000/) and `make test`.
# SQLite by default; set DATABASE_URL for PostgreSQL (see README.md).

PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Inside the venv, so that a new venv always reinstalls; newer than pyproject.toml otherwise.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
LANGS := -l sv -l en
MESSAGE_IGNORES := --ignore=$(VENV) --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media \
	--ignore=cases/api --ignore=workflows --ignore=notifications

.PHONY: venv run test bench messages check

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run.py

messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py makemessages $(LANGS) $(MESSAGE_IGNORES) && \
		$(PY) manage.py compilemessages $(LANGS) --ignore=$(VENV); \
	else \
		echo "msgfmt not found: install gettext to build translations."; \
	fi

# Production settings as the deploy checks see them, with throwaway secrets; then models
# that changed without a migration.
check: venv
	$(PY) manage.py check
	DEBUG=false SECRET_KEY=check-only-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
		AUDIT_HMAC_KEY=check-only ALLOWED_HOSTS=kvalitet.kommun.example \
		$(PY) manage.py check --deploy
	$(PY) manage.py makemigrations --check --dry-run
