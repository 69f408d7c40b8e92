"""Loading transformers models (shared by models of equal weights) and plain batched generation."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...models.adapters import base_model, require_adapter_dir
from ...records.base import Completion, Usage

# Used for base models whose tokenizer has no chat template (documented in docs/models.md).
FALLBACK_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}### Instructions\n{{ m['content'] }}\n\n"
    "{% elif m['role'] == 'user' %}### Question\n{{ m['content'] }}\n\n"
    "{% else %}### Answer\n{{ m['content'] }}\n\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}### Answer\n{% endif %}"
)


@dataclass
class Loaded:
    """A tokenizer and model ready for generation, plus what identifies them."""

    tokenizer: Any
    model: Any
    device: Any
    chat_template: str
    fingerprint: str
    adapter_hash: str | None


def fingerprint(path: Path) -> str:
    """A cheap content fingerprint of a model file or folder: small files whole, big ones sampled."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and ".cache" not in p.relative_to(path).parts)
    for p in files:
        size = p.stat().st_size
        h.update(f"{p.name if p == path else p.relative_to(path)}:{size}\n".encode())
        with p.open("rb") as f:
            if size <= 4 << 20:
                h.update(f.read())
            else:  # weights: first and last MiB, so hashing a 7B folder stays instant
                h.update(f.read(1 << 20))
                f.seek(-(1 << 20), 2)
                h.update(f.read())
    return h.hexdigest()[:16]


def local_identity(weights: Path, adapter: str | None) -> dict[str, str]:
    """Fingerprints of local weights and adapter, for a model's cache-key identity."""
    ident = {}
    if weights.exists():
        ident["weights"] = fingerprint(weights)
    if adapter:
        ident["adapter"] = fingerprint(Path(adapter))
    return ident


def _torch_dtype(torch, name: str, on_gpu: bool):
    if name == "auto":
        return torch.bfloat16 if on_gpu else torch.float32
    try:
        return {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
                "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}[name]
    except KeyError:
        raise InputError(f"option dtype={name!r}: expected auto, float32, bfloat16 or float16") from None


def load(source: str, *, gguf_file: str | None, dtype: str, load_in_4bit: bool,
         adapter: str | None, merge_adapter: bool, device: str) -> Loaded:
    """Load tokenizer and model from a folder or hub id, optionally 4-bit and with a LoRA adapter."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    on_gpu = torch.cuda.is_available() and device in ("auto", "cuda")
    target = torch.device("cuda" if on_gpu else "cpu") if device == "auto" else torch.device(device)
    # use_kernels=False: transformers 5.25 turned hub kernels on by default; they are fetched
    # from the hub at load time (none is reachable offline) and replace layers that the static
    # engine was checked with.
    kwargs: dict[str, Any] = {"dtype": _torch_dtype(torch, dtype, on_gpu), "use_kernels": False}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    if load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16)
        kwargs["device_map"] = {"": target}
    tok_kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **tok_kwargs)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except OSError as exc:
        raise InputError(f"cannot load model {source!r}: {str(exc).splitlines()[0]}") from None
    if not load_in_4bit:
        model.to(target)
    adapter_hash = None
    if adapter:
        model, adapter_hash = _attach_adapter(model, adapter, merge_adapter)
    model.eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    template = tokenizer.chat_template or FALLBACK_TEMPLATE
    weights = Path(source) / gguf_file if gguf_file else Path(source)
    print_ = fingerprint(weights) if weights.exists() else f"hub:{source}"
    return Loaded(tokenizer, model, target, template, print_, adapter_hash)


def _attach_adapter(model, adapter: str, merge: bool):
    from peft import PeftModel

    path = require_adapter_dir(adapter, f"option adapter={adapter!r}")
    model = PeftModel.from_pretrained(model, str(path))
    if merge:
        model = model.merge_and_unload()
    return model, fingerprint(path)


@dataclass(frozen=True)
class WeightsKey:
    """Everything that shapes a loaded model's weights: models with equal keys share one load."""

    source: str
    gguf_file: str | None
    dtype: str
    load_in_4bit: bool
    adapter: str | None
    merge_adapter: bool
    device: str
    identity: tuple[tuple[str, str], ...]  # fingerprints of local weights and adapter


@dataclass
class _Shared:
    loaded: Loaded
    users: int


_SHARED: dict[WeightsKey, _Shared] = {}
_SHARED_LOCK = threading.Lock()


def acquire(key: WeightsKey, load_fn: Callable[[], Loaded]) -> Loaded:
    """The loaded model for these weights: loaded now, or shared with its other users."""
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        if entry is None:
            entry = _SHARED[key] = _Shared(load_fn(), 0)
        entry.users += 1
        return entry.loaded


def release(key: WeightsKey) -> None:
    """One user is done with these weights; the last one lets them go."""
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        if entry is None:
            return
        entry.users -= 1
        if entry.users <= 0:
            del _SHARED[key]


def shared_count() -> int:
    """How many distinct loaded models are held for sharing now."""
    return len(_SHARED)


def render(loaded: Loaded, messages: Sequence[dict[str, str]]) -> str:
    """The prompt text for a conversation, ending where the assistant starts."""
    return loaded.tokenizer.apply_chat_template(
        list(messages), chat_template=loaded.chat_template, tokenize=False,
        add_generation_prompt=True)


def generate(loaded: Loaded, prompts: Sequence[str], *, max_new_tokens: int, temperature: float,
             top_k: int, top_p: float, seed: int,
             repetition_penalty: float = 1.0) -> list[Completion]:
    """Generate for one batch of rendered prompts (left padded); one Completion each."""
    import torch

    tok = loaded.tokenizer
    enc = tok(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False)
    enc = {k: v.to(loaded.device) for k, v in enc.items()}
    sample = temperature > 0
    gen_kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": sample,
                                  "pad_token_id": tok.pad_token_id}
    if sample:
        gen_kwargs.update(temperature=temperature, top_k=top_k, top_p=top_p)
    else:
        gen_kwargs.update(temperature=None, top_k=None, top_p=None)
    if repetition_penalty != 1.0:
        gen_kwargs["repetition_penalty"] = repetition_penalty
    torch.manual_seed(seed)
    with torch.inference_mode():
        out = loaded.model.generate(**enc, **gen_kwargs)
    width = enc["input_ids"].shape[1]
    return completions(loaded, [row[width:].tolist() for row in out],
                       enc["attention_mask"].sum(-1).tolist())


def eos_ids(loaded: Loaded) -> set[int]:
    """Token ids that end an answer: the generation config's and the tokenizer's."""
    return (set(_as_list(loaded.model.generation_config.eos_token_id))
            | {loaded.tokenizer.eos_token_id}) - {None}


def completions(loaded: Loaded, rows: Sequence[list[int]],
                prompt_tokens: Sequence[int]) -> list[Completion]:
    """One Completion per row of new token ids, cut at the first end-of-answer token."""
    eos = eos_ids(loaded)
    results = []
    for new, n_prompt in zip(rows, prompt_tokens, strict=True):
        n = next((i for i, t in enumerate(new) if t in eos), len(new))
        finish = "stop" if n < len(new) else "length"
        text = loaded.tokenizer.decode(new[:n], skip_special_tokens=True).strip()
        results.append(Completion(text=text, finish_reason=finish,
                                  usage=Usage(int(n_prompt), n + (finish == "stop"))))
    return results


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, list | tuple) else [x]


def _cache_arg(model) -> str:
    """transformers renamed `past_key_values` to `cache` (5.2x); speak whichever it knows."""
    import inspect

    base = base_model(model)
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
