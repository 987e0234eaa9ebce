# newscorpus: `make demo` and `make test` work on a fresh clone with nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export AIRFLOW_HOME   ?= $(CURDIR)/.airflow
export AIRFLOW_CONFIG ?= $(CURDIR)/airflow.cfg
AIRFLOW_PORT ?= 8080

.PHONY: install demo test bench airflow airflow-demo airflow-cli clean

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

# api-server (awaited), then scheduler, dag-processor, triggerer, sharing one set of secrets
# generated once into $(AIRFLOW_HOME)/secrets.json (0600); see pipeline/airflow_stack.py.
# Prints the UI address and where the admin password is. Ctrl-C stops every component.
airflow: install
	$(PY) -m pipeline.airflow_stack --home $(AIRFLOW_HOME) --port $(AIRFLOW_PORT)

# with `make airflow` running (another terminal): serve the sample web and trigger one night of
# it into its own database (newscorpus_airflow_demo), following the run until it ends; news_nightly
# is created paused, so it is unpaused for that night and paused again after it
airflow-demo: install
	$(PY) -m pipeline.airflow_demo --home $(AIRFLOW_HOME) --port $(AIRFLOW_PORT)

# the `airflow` command against the `make airflow` stack (its home, config, metadata database
# and secrets), e.g. make airflow-cli ARGS="dags unpause news_nightly"; see pipeline/airflow_cli.py
airflow-cli: install
	$(PY) -m pipeline.airflow_cli --home $(AIRFLOW_HOME) --port $(AIRFLOW_PORT) -- $(ARGS)

# the embedded PostgreSQL of this folder is stopped first (its pgdata is deleted below; a running
# server would be orphaned): a clean environment, so NEWSCORPUS_HOME/NEWSCORPUS_DATABASE_URL
# set in the shell never point the stop elsewhere; no venv or no server is fine. A data directory
# relocated out of the folder (as root: .newscorpus/pgdata a symlink into /var/lib/newscorpus/ or
# the temp folder) is deleted too, only that one (pipeline/embedded.py delete_relocated)
clean:
	@if [ -x $(VENV)/bin/newscorpus ]; then env -i PATH="$$PATH" HOME="$$HOME" \
		NEWSCORPUS_HOME="$(CURDIR)/.newscorpus" $(VENV)/bin/newscorpus db stop --delete-relocated || true; fi
	rm -rf $(VENV) .newscorpus .airflow
