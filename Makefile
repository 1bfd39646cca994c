# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv from the hash-pinned lock file when it is missing or older than the lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test faults bench bench-quick soak lock clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsarchive needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

demo: $(STAMP)
	$(BIN)/newsarchive demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The fault suite alone (also part of `make test`): kills, full disks, damaged WARCs, hostile input.
faults: $(STAMP)
	$(BIN)/python -m pytest tests/faults

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

# Not part of `make test`: 10,000 mirror articles, faults, two SIGKILLs, an exactly-once audit.
soak: $(STAMP)
	$(BIN)/python -m bench.soak

# Regenerate the lock after editing dependencies in pyproject.toml (needs `uv` on PATH).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) data .pytest_cache
