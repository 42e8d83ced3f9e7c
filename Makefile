# Two commands do everything on a fresh machine:
#   make run   - set up, train if needed, start the assistant (SQLite store by default)
#   make test  - set up, train if needed, run every check
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
MODEL := models/clinic.tar.gz
RASA_DATA := data/nlu.yml data/stories.yml data/rules.yml
HOLDOUT_MIN_ACCURACY ?= 0.96
# The blind hold-out (tests/nlu_holdout_blind.yml) is harder: no message in it repeats a
# training example and it was written without seeing data/nlu.yml.
HOLDOUT_BLIND_MIN_ACCURACY ?= 0.90

# Quiet, offline-friendly Rasa and TensorFlow.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# No progress bars in logs (tqdm >= 4.66 reads this).
export TQDM_DISABLE := 1

.PHONY: help setup db train run test test-fast pytest validate test-stories holdout lint clean browser run-prod

help:
	@echo "make run    set up, train if needed and start the assistant (:5005, actions :5055)"
	@echo "make test   set up, train if needed and run all checks"
	@echo "make test-fast  the tests that start no server or browser (under a minute; no model needed)"
	@echo "make setup  create .venv (Python 3.10), install locked packages, create and load the store"
	@echo "make train  train the model into $(MODEL) if data, config or domain changed"
	@echo "make run-prod  production mode on PostgreSQL + Redis with two Rasa instances"

$(VENV)/.installed: requirements.lock pyproject.toml scripts/bootstrap-venv.sh
	scripts/bootstrap-venv.sh
	touch $@

db: $(VENV)/.installed
	$(BIN)/clinic db upgrade
	$(BIN)/clinic knowledge load

setup: $(VENV)/.installed db

# What the model is built from; retrained only when their content changed.
MODEL_INPUTS := config.yml domain.yml $(RASA_DATA) data/knowledge/conditions.yml \
	$(wildcard bot/nlu/*.py)

train: setup
	scripts/train-if-changed.sh $(MODEL_INPUTS)

run: train
	scripts/run.sh

# Production mode: PostgreSQL + Redis, two Rasa instances (:5005, :5006), one action server.
# Needs DATABASE_URL=postgresql://... and REDIS_URL=redis://... (README: Production mode).
run-prod: train
	scripts/run-prod.sh

test: train lint pytest validate test-stories holdout
	@echo "All checks passed."

lint: $(VENV)/.installed
	$(BIN)/ruff check bot actions tests scripts
	$(BIN)/mypy

pytest: train browser
	$(BIN)/pytest

# The quick loop while editing: every test that starts no Rasa/action/console/channel server
# and no browser (pytest -m "not servers"). `make test` still runs everything.
test-fast: setup
	$(BIN)/pytest -q -m "not servers"

# Debian's Chromium for the website widget's browser test (installs it if missing).
browser:
	scripts/ensure-chromium.sh

validate: $(VENV)/.installed
	$(BIN)/rasa data validate --config config.yml --domain domain.yml \
		--data $(RASA_DATA) --fail-on-warnings

test-stories: train
	$(BIN)/rasa test core --model $(MODEL) --stories tests \
		--fail-on-prediction-errors --out results/stories

# Hold-out NLU checks: messages never used for training.
holdout: train
	$(BIN)/rasa test nlu --model $(MODEL) --nlu tests/nlu_holdout.yml --out results/holdout
	$(BIN)/python scripts/check_holdout.py results/holdout/intent_report.json \
		--min-accuracy $(HOLDOUT_MIN_ACCURACY)
	$(BIN)/rasa test nlu --model $(MODEL) --nlu tests/nlu_holdout_blind.yml \
		--out results/holdout_blind
	$(BIN)/python scripts/check_holdout.py results/holdout_blind/intent_report.json \
		--min-accuracy $(HOLDOUT_BLIND_MIN_ACCURACY)

# Benchmarks (not part of `make test`): NLU quality and latency next to stock Rasa.
# Full run 45-60 min on 2 cores (25-40 min of it the stock pipeline's 5-fold CV);
# writes docs/benchmarks.md, docs/bench/*.png, results/bench/.
# BENCH_FOLDS=3 or BENCH_LEVELS=1,10 shorten it. bench-smoke: 2 folds, few epochs, levels 1,5
# (~9 min on 2 cores; output only under results/bench/smoke/).
BENCH_FOLDS ?= 5
BENCH_LEVELS ?= 1,10,20,50
# People-like pacing: seconds a simulated client reads and types before each message.
BENCH_THINK_TIME ?= 5
.PHONY: bench bench-smoke bench-faq
bench: train
	$(BIN)/ruff check bench
	$(BIN)/python -m bench.nlu --folds $(BENCH_FOLDS)
	$(BIN)/python -m bench.floor
	$(BIN)/python -m bench.load --levels $(BENCH_LEVELS)
	$(BIN)/python -m bench.load --levels 10,20,50 --duration 60 \
		--think-time $(BENCH_THINK_TIME) --reuse-stock
	$(BIN)/python -m bench.profile --compare
	$(BIN)/python -m bench.faq --holdout --latency
	$(BIN)/python -m bench.report

# FAQ retrieval only (about a minute): CV, thresholds, blind hold-out, latency with 200 topics.
bench-faq: setup
	$(BIN)/python -m bench.faq --holdout --latency

bench-smoke: train
	$(BIN)/ruff check bench
	$(BIN)/python -m bench.nlu --quick
	$(BIN)/python -m bench.floor --quick --repeat 50
	$(BIN)/python -m bench.load --quick
	$(BIN)/python -m bench.report --quick

clean:
	rm -rf models results var .pytest_cache .ruff_cache
