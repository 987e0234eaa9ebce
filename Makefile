# newscorpus: `make demo` and `make test` work on a fresh clone with nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export AIRFLOW_HOME   ?= $(CURDIR)/.airflow
export AIRFLOW_CONFIG ?= $(CURDIR)/airflow.cfg

.PHONY: install demo test bench airflow clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: install
	$(VENV)/bin/newscorpus demo

test: install
	$(PY) -m pytest -q

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# standalone starts its components as `airflow ...` subprocesses: the venv must be on PATH
airflow: install
	@mkdir -p $(AIRFLOW_HOME)
	@echo "Airflow UI: http://127.0.0.1:8080  user admin, password printed below and kept in"
	@echo "  $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/airflow standalone

clean:
	rm -rf $(VENV) .newscorpus .airflow
