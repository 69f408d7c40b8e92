# Two entry points for people: `make demo` and `make test`. Each builds .venv from nothing,
# with the versions locked in constraints.txt (mk/lock.mk says how the lock is made).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch first and pinned: this machine carries a CPU wheel of 2.13.0; an unpinned torch pulls
# a multi-GB CUDA build (see docs/install.md).
TORCH := torch==2.13.0
DEMO_LIMIT ?= 20
DEMO_TOKENS ?= 256
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1

.PHONY: demo test test-main venv lint clean

include mk/vllm.mk
include mk/browser.mk
include mk/lock.mk

$(BIN)/.installed: pyproject.toml plugins/mentalbench-train/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,dev]' \
		-e 'plugins/mentalbench-train[embed]'
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/mentalbench run --model smollm2 --judge smollm2 --limit $(DEMO_LIMIT) \
		--model-opt max_new_tokens=$(DEMO_TOKENS) --out runs/demo
	@echo "Leaderboard written to runs/demo/leaderboard.csv (answers, judgments, manifest beside it)"

# Sessions offline: five cards, four turns, the embedded model as counselor, client and judge.
.PHONY: demo-sessions
demo-sessions: venv
	$(BIN)/mentalbench run --model smollm2 --model-opt max_new_tokens=96 \
		--cards mentalbench-cards-v1 --card mbc-013 --card mbc-024 --card mbc-091 \
		--card mbc-107 --card mbc-121 --turns 4 \
		--client smollm2 --client-opt max_new_tokens=48 --judge smollm2 --out runs/demo-sessions
	@echo "Transcripts: runs/demo-sessions/transcripts.jsonl; session leaderboard: runs/demo-sessions/sessions.csv (referral floor: session_safety.csv)"

# The main suite, then the vLLM backend's tests for real in their own venv (.venv-vllm).
test: test-main test-vllm

test-main: venv browser
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(VLLM_VENV) $(LATEST_VENV) runs build dist
