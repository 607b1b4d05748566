# `make repro` runs the pipeline on the embedded sample; `make test` runs the tests;
# `make answer` answers which embedding works best on the dataset params.yaml describes (quick preset);
# `make show` lists the experiments by their headline metrics.
# Both create .venv and install the pinned requirements first, if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PLOTS_TEMPLATE := .dvc/plots_template.html
# DVC stages run `python -m stages.<name>`: that must be this environment's python.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install repro answer show test lock clean

install: $(INSTALLED) $(PLOTS_TEMPLATE)

# The package itself is installed editable, without build isolation or dependencies: the
# pinned lock is the only source of versions, and the venv's own setuptools builds it offline.
$(INSTALLED): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# `dvc plots show/diff` draw offline with this template (.dvc/config: plots.html_template): the
# Vega libraries inlined from vl-convert-python instead of DVC's CDN links. Generated, not committed.
$(PLOTS_TEMPLATE): $(INSTALLED)
	$(BIN)/python -m embedding_bench.charts dvc-template $@

repro: install
	$(BIN)/dvc repro
	$(BIN)/dvc metrics show metrics/metrics.json metrics/baseline/metrics.json

# Every family x every variant, one seed, through DVC's queue (its temporary copies run what is
# committed: commit params.yaml first); results/answer/answer.md and .html. Resumes when re-run.
answer: install
	$(BIN)/embedding-bench answer --quick --jobs 2

# The experiments with the axes, the decision rule and the headline metrics only (every
# diagnostics file is a metrics file too: plain `dvc exp show` prints hundreds of columns).
SHOWN := ^(Experiment|Created|embedding|preprocessing|seed|cnn\.mode|bert\.finetune|evaluate\..*|(cnn|baseline)\.(jaccard|f1_micro|f1_macro|hamming_loss|empty_prediction_rate))$$
show: install
	$(BIN)/dvc exp show --no-pager --drop '.*' --keep '$(SHOWN)'

test: install
	$(BIN)/python -m pytest

# Re-pin everything after editing requirements.in.
lock:
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Full lock of requirements.in (pip freeze); regenerate with: make lock"; \
	 /tmp/lock-venv/bin/pip freeze | sed 's/+cpu//') > requirements.txt

clean:
	rm -rf $(VENV)
