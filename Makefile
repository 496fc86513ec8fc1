# Two entry points on a fresh clone: `make repro` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: repro test quick clean-venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.14.1 torchvision==0.29.1 || $(BIN)/pip install torch torchvision
	$(BIN)/pip install -e '.[test]'
	touch $@

repro: $(BIN)/.installed
	$(BIN)/dvc repro

test: $(BIN)/.installed
	$(BIN)/python -m pytest tests

# A CPU-sized run of the whole pipeline on a local zip: 20 classes, 2 epochs, smaller batches.
ZIP ?=
QUICK_SETTINGS = -S 'data.url=$(abspath $(ZIP))' -S data.md5=null -S prepare.classes=20 \
	-S train.epochs=2 -S train.warmup_epochs=0.5 \
	-S variants.baseline.batch_size=64 -S variants.resnet50.batch_size=64 \
	-S variants.head3.batch_size=64 -S variants.batch512.batch_size=128

quick: $(BIN)/.installed
	@test -n "$(ZIP)" || { echo "make quick: missing ZIP: run make quick ZIP=/path/to/tiny-imagenet-200.zip"; exit 2; }
	@test -f "$(ZIP)" || { echo "make quick: ZIP=$(ZIP) not found: give the path of a Tiny ImageNet zip"; exit 2; }
	$(BIN)/dvc exp run $(QUICK_SETTINGS)

clean-venv:
	rm -rf $(VENV)
