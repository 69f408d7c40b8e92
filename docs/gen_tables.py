"""Writes the docs' tables from the code and pyproject.toml, so that no number in them drifts.

`python docs/gen_tables.py` rewrites every table between `<!-- table:NAME -->` and
`<!-- /table:NAME -->` in docs/*.md: the options of each backend (names and defaults from the
options classes), the registered judges, the extras (from pyproject.toml) and the exit
statuses (from mentalbench.errors). What an option means is written here, once per option; an
option the code gains without a meaning here (or loses) is an error. tests/test_docs.py fails
when a table in the docs differs from what this writes.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: What each option means, by options class; a default of None is shown as the text given.
MEANINGS: dict[str, dict[str, tuple[str | None, str]]] = {
    "GenerationOptions": {
        "max_new_tokens": (None, "the answer's token limit"),
        "temperature": (None, "sampling temperature; 0 means greedy"),
        "top_k": (None, "sample among the k likeliest tokens (0 = off)"),
        "top_p": (None, "nucleus sampling: the smallest set of tokens this likely"),
        "seed": (None, "sampling seed, for answers that can be made again"),
        "system_prompt": ("the paper's", "the system message every question is asked under"),
    },
    "HFOptions": {
        "dtype": (None, "`auto` (bf16 on GPU, fp32 on CPU), `float32`, `bfloat16`, `float16`"),
        "load_in_4bit": (None, "NF4 with double quantisation and bf16 compute (bitsandbytes)"),
        "adapter": ("none", "a peft LoRA folder (e.g. from `mentalbench train`)"),
        "merge_adapter": (None, "merge the adapter into the weights after loading"),
        "batch_size": (None, "prompts decoded together (0 = 8 on a CPU, 64 on a GPU); grouped "
                             "by length, left padded"),
        "device": (None, "`auto`, `cpu`, `cuda`, `cuda:1` ..."),
        "engine": (None, "`static` (preallocated KV cache, CUDA graphs on a GPU), `generate` "
                         "(plain transformers), `auto`: see [backends](backends.md)"),
        "cuda_graphs": (None, "replay decode steps as CUDA graphs under the `static` engine"),
        "repetition_penalty": (None, "divide the scores of tokens already in the prompt or "
                                     "answer by this (transformers' `repetition_penalty`; 1 = "
                                     "none); other than 1 it runs on the `generate` engine"),
    },
    "VLLMOptions": {
        "dtype": (None, "as in the model's config, or `bfloat16`, `float16`, `float32`"),
        "adapter": ("none", "a LoRA folder, applied per request (`LoRARequest`); see below"),
        "max_lora_rank": (None, "the largest adapter rank the engine makes room for"),
        "tensor_parallel_size": (None, "GPUs each layer is split across"),
        "pipeline_parallel_size": (None, "groups of layers on successive GPUs or hosts"),
        "enforce_eager": (None, "no CUDA graphs or compilation: starts faster, runs slower"),
        "gpu_memory_utilization": (None, "share of GPU memory for weights plus KV cache"),
        "kv_cache_gib": ("none", "a fixed KV cache size instead (GPU or CPU)"),
        "max_model_len": ("model's", "longest prompt + answer; a longer request fails alone"),
        "max_num_seqs": ("vLLM's", "most sequences decoded at once"),
        "quantization": ("none", "e.g. `awq`, `gptq`, `bitsandbytes`, as vLLM names them"),
    },
    "APIOptions": {
        "model": ("the id's `<model>`", "model name sent to the API (pins a registered "
                                        "judge's model)"),
        "base_url": ("the provider's", "e.g. `http://localhost:8000/v1` (vLLM), "
                                       "`http://localhost:11434/v1` (Ollama), "
                                       "`https://openrouter.ai/api/v1`, an Azure OpenAI v1 "
                                       "endpoint; for Gemini, another `generateContent` "
                                       "endpoint"),
        "api_key": ("from the environment", "see Keys"),
        "max_concurrency": (None, "requests in flight at once"),
        "timeout": (None, "seconds one attempt may take, start to finish"),
        "max_retries": (None, "retries after the first attempt"),
        "max_tokens": ("`max_new_tokens`", "the reply's token limit; sent as "
                                           "`max_completion_tokens` to OpenAI's own API (its "
                                           "reasoning models refuse `max_tokens`), as "
                                           "`max_tokens` to other servers"),
        "backoff": (None, "seconds before the first retry; doubles each time (capped at 60 s)"),
        "unreachable_after": (None, "with no reply yet, connection failures and timeouts "
                                    "(counted from when the attempt started) for this many "
                                    "seconds stop the run: one line naming the endpoint, exit "
                                    "status 3 (no retry is scheduled past it)"),
        "max_wait": (None, "the longest wait a server may ask for (`Retry-After`, "
                           "`retry-after-ms`, Gemini `RetryInfo`); a longer one (or `inf`, or a "
                           "date years away) stops that request, recorded as failed with the "
                           "wait it asked for"),
    },
}

#: What each extra is needed for (what it brings is read from pyproject.toml).
EXTRAS = {
    "hf": "`smollm2`, `hf:`, `gguf:` models; LoRA adapters; 4-bit NF4",
    "vllm": "`vllm:` models on a GPU host; see below for CPUs",
    "openai": "`openai:` models and the `gpt4` judge",
    "gemini": "`gemini:` models and the `gemini` judge",
    "train": "`mentalbench train`",
    "report": "`mentalbench report` (figures)",
    "rate": "`mentalbench rate`, the rating app for human raters (a local web page)",
    "dev": "the tests, the linter, the import contracts and the lock",
    "all": "everything that shares one environment",
}


def _options_classes() -> dict[str, type]:
    from mentalbench.backends.api.base import APIOptions
    from mentalbench.backends.hf.model import HFOptions
    from mentalbench.backends.vllm import VLLMOptions
    from mentalbench.models.options import GenerationOptions

    return {c.__name__: c for c in (GenerationOptions, HFOptions, VLLMOptions, APIOptions)}


def _default(value, none_text: str | None) -> str:
    if value is None:
        return none_text or "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def options_table(name: str) -> str:
    """The options a class adds to its base (all of them for GenerationOptions)."""
    cls = _options_classes()[name]
    base = {f.name for f in dataclasses.fields(cls.__mro__[1])} if name != "GenerationOptions" \
        and dataclasses.is_dataclass(cls.__mro__[1]) else set()
    own = [f for f in dataclasses.fields(cls) if f.name not in base]
    meanings = MEANINGS[name]
    missing = [f.name for f in own if f.name not in meanings]
    gone = sorted(set(meanings) - {f.name for f in own})
    if missing or gone:
        raise SystemExit(f"docs/gen_tables.py: {name}: say what these options mean: {missing}; "
                         f"remove these: {gone}")
    rows = ["| option | default | meaning |", "| --- | --- | --- |"]
    for f in own:
        none_text, meaning = meanings[f.name]
        rows.append(f"| `{f.name}` | {_default(f.default, none_text)} | {meaning} |")
    return "\n".join(rows)


def judges_table() -> str:
    """The registered judges (bundled plugins only), and any model id used as a judge."""
    os.environ["MENTALBENCH_LOAD_PLUGINS"] = ""
    from mentalbench.plugins.registry import ANY_MODEL_JUDGE_OPTIONS, get_registry

    reg = get_registry()
    aliases: dict[str, list[str]] = {}
    for alias, name in reg.judge_aliases.items():
        aliases.setdefault(name, []).append(alias)

    def opts(options) -> str:
        return ", ".join(f"`{k}={v}`" for k, v in sorted(options.items()))

    rows = ["| judge | model | mode | options | what it is |", "| --- | --- | --- | --- | --- |"]
    for name in sorted(reg.judges):
        spec = reg.judges[name]
        shown = ", ".join(f"`{n}`" for n in [name, *sorted(aliases.get(name, []))])
        rows.append(f"| {shown} | `{spec.model}` | {spec.mode} | {opts(spec.options)} | "
                    f"{spec.description} |")
    rows.append(f"| any model id (`--judge hf:...`) | that model | text | "
                f"{opts(ANY_MODEL_JUDGE_OPTIONS)} | |")
    return "\n".join(rows)


def extras_table() -> str:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    missing, gone = sorted(set(extras) - set(EXTRAS)), sorted(set(EXTRAS) - set(extras))
    if missing or gone:
        raise SystemExit(f"docs/gen_tables.py: say what these extras are for: {missing}; "
                         f"remove these: {gone}")
    rows = ["| extra | brings | needed for |", "| --- | --- | --- |"]
    for name, needs in extras.items():
        brings = ", ".join(re.split(r"[<>=!~;\[ ]", n, maxsplit=1)[0] if not n.startswith(
            "mentalbench[") else "`" + n.removeprefix("mentalbench[").rstrip("]").replace(
                ",", "`, `") + "`" for n in needs)
        rows.append(f"| `{name}` | {brings} | {EXTRAS[name]} |")
    return "\n".join(rows)


def exit_table() -> str:
    from mentalbench.errors import EXIT_STATUSES

    rows = ["| status | meaning |", "| --- | --- |"]
    rows += [f"| {code} | {meaning} |" for code, meaning in EXIT_STATUSES.items()]
    return "\n".join(rows)


TABLES = {
    "options-common": lambda: options_table("GenerationOptions"),
    "options-hf": lambda: options_table("HFOptions"),
    "options-vllm": lambda: options_table("VLLMOptions"),
    "options-api": lambda: options_table("APIOptions"),
    "judges": judges_table,
    "extras": extras_table,
    "exit-status": exit_table,
}
MARKED = re.compile(r"(<!-- table:([a-z-]+) -->\n)(.*?)(<!-- /table:\2 -->)", re.S)


def render(text: str) -> str:
    """The text with every marked table written afresh."""
    return MARKED.sub(lambda m: m.group(1) + TABLES[m.group(2)]() + "\n" + m.group(4), text)


def marked(text: str) -> list[str]:
    return [m.group(2) for m in MARKED.finditer(text)]


def main() -> None:
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if fresh != text:
            path.write_text(fresh, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
