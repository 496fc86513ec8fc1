# Two entry points on a fresh clone: `make repro` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: repro test quick bench clean-venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.14.1 torchvision==0.29.1 || $(BIN)/pip install torch torchvision
	$(BIN)/pip install -e '.[test]'
	touch $@

repro: $(BIN)/.installed
	$(BIN)/dvc repro

test: $(BIN)/.installed
	$(BIN)/python -m pytest tests

clean-venv:
	rm -rf $(VENV)
