"""Fold a trained adapter into its base model and save a plain bf16 folder (for vLLM and friends)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from mentalbench.api import InputError, require, require_adapter_dir, write_atomic

from .manifest import versions
from .modeling import resolve_base, torch_dtype
from .trainer import MANIFEST

MERGE_RECORD = "mentalbench_merge.json"


def base_of(adapter: Path, base_id: str | None) -> str:
    """The base model id: given, else the one the adapter's manifest names."""
    if base_id:
        return base_id
    path = adapter / MANIFEST
    if not path.is_file():
        raise InputError(f"{adapter}: no {MANIFEST} naming the base model; pass --base")
    return json.loads(path.read_text())["base"]["model"]


def merge(adapter: Path, out: Path, base_id: str | None = None,
          dtype: str = "bfloat16") -> dict[str, Any]:
    """Load the base unquantized (never 4-bit: docs/install.md), add the adapter, merge, save."""
    for module in ("torch", "transformers", "peft"):
        require(module, "train", "mentalbench train merge")
    require_adapter_dir(adapter, str(adapter))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"--out {str(out)!r}: exists and is not empty")
    if dtype not in ("bfloat16", "float16", "float32"):
        raise InputError(f"--dtype {dtype!r}: expected bfloat16, float16 or float32")
    base = resolve_base(base_of(adapter, base_id))
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mentalbench.api import weights_fingerprint as fingerprint

    from .encoding import chat_template

    tokenizer = AutoTokenizer.from_pretrained(base.source)
    model = AutoModelForCausalLM.from_pretrained(base.source, dtype=torch_dtype(dtype),
                                                 use_kernels=False)  # no hub fetch at load
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    # Serve with the very template the adapter was trained with, even for a base that has none.
    tokenizer.chat_template = chat_template(tokenizer)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    record = {"base": {"model": base.model_id, "source": base.source,
                       "fingerprint": base.fingerprint()},
              "adapter": {"path": str(adapter), "fingerprint": fingerprint(adapter)},
              "dtype": dtype, "versions": versions()}
    write_atomic(tmp / MERGE_RECORD, json.dumps(record, indent=2))
    if out.exists():
        out.rmdir()
    tmp.rename(out)
    return record
