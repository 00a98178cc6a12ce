# Each target creates .venv when it is missing and installs what it needs, torch pinned to the
# CPU wheel through constraints.txt. A second `make install` does nothing.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install search test lint bench clean

install: $(STAMP)

$(STAMP): setup.py constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

search: install
	$(PY) scripts/search.py --config confs/petridish.yaml

# pytest exits 5 when it collects no test; that is not a failure of the suite. Two xdist
# workers: the slow tests take turns on one (tests/conftest.py says why), the rest share both.
test: install
	$(PY) -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

lint: install
	$(VENV)/bin/ruff check archsearch tests bench scripts
	$(VENV)/bin/ruff format --check archsearch tests bench scripts

bench: install
	$(PY) bench/trainer_overhead.py
	$(PY) bench/scheduler.py
	$(PY) bench/data_shipping.py
	$(PY) bench/view_frontier.py
	$(PY) bench/scale.py --jobs 10000 --engines local

clean:
	rm -rf $(VENV) build *.egg-info
