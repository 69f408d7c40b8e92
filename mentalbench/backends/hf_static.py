"""Decoding with a preallocated (static) KV cache, replayed as a CUDA graph on GPUs.

Plain `generate` spends most of a decode step launching kernels from Python: at 7B shape on an
H100 that is ~50 ms a step against ~5 ms of memory traffic. Here one decode step is captured
once per (batch, cache length) as a CUDA graph and replayed, so a step costs what its kernels
cost. The prefill is transformers' own forward pass (same masks and positions as `generate`),
and greedy decoding picks the same tokens as `generate` does.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Completion

#: Cache lengths are rounded up to this, so batches of similar length share one captured graph.
CACHE_STEP = 64
#: The attention implementation used while decoding here: sdpa, minus the copy of the KV cache.
GQA_SDPA = "mentalbench_gqa_sdpa"
#: How many decode steps run between checks (a device sync) for "every row has finished".
STOP_CHECK_EVERY = 16

# Generation-config fields whose non-default values would make `generate` pick other tokens.
_PROCESSOR_FIELDS = {
    "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "bad_words_ids": None,
    "min_length": 0, "min_new_tokens": None, "suppress_tokens": None,
    "begin_suppress_tokens": None, "forced_bos_token_id": None, "forced_eos_token_id": None,
    "sequence_bias": None, "encoder_repetition_penalty": 1.0, "exponential_decay_length_penalty": None,
    "renormalize_logits": False, "num_beams": 1,
}


def unsupported(model, max_len: int) -> str | None:
    """Why the static engine cannot stand in for `generate` on this model (None when it can)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    cfg = base.config
    if getattr(cfg, "is_encoder_decoder", False):
        return "encoder-decoder model"
    attn = getattr(cfg, "_attn_implementation", None)
    if attn not in ("sdpa", "eager"):
        return f"attention implementation {attn!r}"
    window = getattr(cfg, "sliding_window", None)
    if window and getattr(cfg, "use_sliding_window", True) and max_len > window:
        return f"sequences of {max_len} tokens exceed the sliding window of {window}"
    layer_types = set(getattr(cfg, "layer_types", None) or ["full_attention"])
    if layer_types - {"full_attention", "sliding_attention"}:
        return f"layer types {sorted(layer_types)}"
    gc = model.generation_config
    for name, default in _PROCESSOR_FIELDS.items():
        if getattr(gc, name, default) not in (default, None):
            return f"generation_config.{name}={getattr(gc, name)!r}"
    return None


def _gqa_sdpa(module, query, key, value, attention_mask, **kwargs):
    """sdpa; for one new token per row, query heads fold onto their shared KV head.

    transformers' sdpa path copies the whole KV cache once per query head group (`repeat_kv`)
    when a mask is given: at batch 200 that copy is several times the weights' size per step.
    Folding the group into the query axis reads each cached key and value once instead.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    groups = getattr(module, "num_key_value_groups", 1)
    if (query.shape[2] != 1 or groups == 1 or attention_mask is None or attention_mask.dim() != 4
            or attention_mask.shape[2] != 1):
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    import torch

    b, heads, _, dim = query.shape
    out = torch.nn.functional.scaled_dot_product_attention(
        query.reshape(b, heads // groups, groups, dim), key, value, attn_mask=attention_mask,
        scale=kwargs.get("scaling"))
    return out.reshape(b, heads, 1, dim).transpose(1, 2).contiguous(), None


@contextlib.contextmanager
def _folded_attention(model):
    """Run `model` with `_gqa_sdpa` in place of sdpa (registered once), then put sdpa back."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    cfg = base.config
    if cfg._attn_implementation != "sdpa":
        yield
        return
    AttentionInterface.register(GQA_SDPA, _gqa_sdpa)
    AttentionMaskInterface.register(GQA_SDPA, sdpa_mask)
    cfg._attn_implementation = GQA_SDPA
    try:
        yield
    finally:
        cfg._attn_implementation = "sdpa"


@dataclass
class _Slot:
    """A static cache, the input buffers of one decode step, and its captured graph."""

    cache: Any
    ids: Any  # (B, 1) next input token
    pos: Any  # (B, 1) its position id
    mask: Any  # (B, 1, 1, L) which cache entries the new token may attend to
    allowed: Any  # the mask's value for "may attend": True, or 0.0 for an additive mask
    blocked: Any
    graph: Any = None
    logits: Any = None  # (B, V): the graph's output buffer


class StaticEngine:
    """Batched decoding over one loaded model; keeps the last captured graph for reuse."""

    def __init__(self, loaded, use_graphs: bool):
        self.loaded = loaded
        self.use_graphs = use_graphs
        self._slot: tuple[tuple[int, int], _Slot] | None = None
        self.graph_failure: str | None = None

    def graphs_active(self) -> bool:
        """Whether decode steps replay CUDA graphs (False on CPU or after a failed capture)."""
        return self.use_graphs and self.loaded.device.type == "cuda"

    def _slot_for(self, batch: int, length: int) -> _Slot:
        import torch
        from transformers import StaticCache

        if self._slot and self._slot[0] == (batch, length):
            slot = self._slot[1]
            slot.cache.reset()
            return slot
        self._slot = None  # free the old cache and graph before allocating new ones
        dev = self.loaded.device
        model = self.loaded.model
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        cache = StaticCache(config=base.config, max_cache_len=length)
        # sdpa takes a boolean mask; eager attention adds the mask to its scores.
        if base.config._attn_implementation in ("sdpa", GQA_SDPA):
            dtype, allowed, blocked = torch.bool, True, False
        else:
            dtype = model.dtype
            allowed, blocked = 0.0, torch.finfo(dtype).min
        slot = _Slot(cache, torch.zeros(batch, 1, dtype=torch.long, device=dev),
                     torch.zeros(batch, 1, dtype=torch.long, device=dev),
                     torch.zeros(batch, 1, 1, length, dtype=dtype, device=dev), allowed, blocked)
        self._slot = ((batch, length), slot)
        return slot

    def _forward(self, slot: _Slot, arg: str):
        out = self.loaded.model(input_ids=slot.ids, attention_mask=slot.mask,
                                position_ids=slot.pos, use_cache=True, **{arg: slot.cache})
        return out.logits[:, -1, :]

    def _capture(self, slot: _Slot, arg: str) -> None:
        import torch

        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph, stream=torch.cuda.current_stream()):
                slot.logits = self._forward(slot, arg)
        except Exception as exc:  # noqa: BLE001 - any capture failure means: run eagerly
            self.graph_failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.use_graphs = False
            print(f"mentalbench: CUDA graph capture failed ({self.graph_failure}); "
                  "decoding without graphs", file=sys.stderr)
            return
        slot.graph = graph

    def generate(self, prompts: Sequence[str], *, max_new_tokens: int, temperature: float,
                 top_k: int, top_p: float, seed: int) -> list[Completion]:
        """Generate for one batch of rendered prompts; one Completion each, as `generate` would."""
        import torch

        from .hf_engine import _cache_arg, completions, eos_ids

        tok, model, dev = self.loaded.tokenizer, self.loaded.model, self.loaded.device
        enc = tok(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False)
        ids, am = enc["input_ids"].to(dev), enc["attention_mask"].to(dev)
        batch, width = ids.shape
        length = -(-(width + max_new_tokens) // CACHE_STEP) * CACHE_STEP
        arg = _cache_arg(model)
        eos = torch.tensor(sorted(eos_ids(self.loaded)), device=dev)
        pad = tok.pad_token_id
        torch.manual_seed(seed)
        with torch.inference_mode(), _folded_attention(model):
            out = torch.full((batch, max_new_tokens), pad, dtype=torch.long, device=dev)
            unfinished = torch.ones(batch, dtype=torch.bool, device=dev)
            slot = self._slot_for(batch, length)
            # Prefill exactly as `generate` does it: 2-D padding mask, positions from its cumsum.
            pos = am.long().cumsum(-1) - 1
            pos.masked_fill_(am == 0, 1)
            logits = model(input_ids=ids, attention_mask=am, position_ids=pos, use_cache=True,
                           logits_to_keep=1, **{arg: slot.cache}).logits[:, -1, :]
            slot.mask.fill_(slot.blocked)
            slot.mask[:, 0, 0, :width].masked_fill_(am.bool(), slot.allowed)
            slot.pos.copy_(pos[:, -1:])
            steps = 0
            for step in range(max_new_tokens):
                nxt = _pick(logits, temperature, top_k, top_p)
                nxt = torch.where(unfinished, nxt, torch.full_like(nxt, pad))
                out[:, step] = nxt
                unfinished &= ~torch.isin(nxt, eos)
                steps = step + 1
                if step + 1 == max_new_tokens:
                    break
                if (step + 1) % STOP_CHECK_EVERY == 0 and not bool(unfinished.any()):
                    break
                slot.ids.copy_(nxt[:, None])
                slot.pos.add_(1)
                slot.mask[:, 0, 0, width + step] = slot.allowed
                logits = self._step(slot, arg)
        rows = out[:, :steps].tolist()
        return completions(self.loaded, rows, am.sum(-1).tolist())

    def _step(self, slot: _Slot, arg: str):
        import torch

        if slot.graph is not None:
            slot.graph.replay()
            return slot.logits
        if not self.graphs_active():
            return self._forward(slot, arg)
        # The slot's first step runs eagerly on the capture stream (warming up kernels and
        # workspaces), then is captured; replays advance the cache position themselves.
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            logits = self._forward(slot, arg)
            self._capture(slot, arg)
        torch.cuda.current_stream().wait_stream(stream)
        return logits


def _pick(logits, temperature: float, top_k: int, top_p: float):
    """The next token per row: argmax, or a sample after temperature, top-k and top-p as HF does."""
    import torch

    if temperature <= 0:
        return logits.argmax(-1)
    scores = logits.float() / temperature
    if top_k and top_k > 0:
        kth = torch.topk(scores, min(top_k, scores.shape[-1]))[0][..., -1, None]
        scores = scores.masked_fill(scores < kth, -float("inf"))
    if top_p < 1.0:
        sorted_scores, order = torch.sort(scores, descending=False)
        drop = sorted_scores.softmax(-1).cumsum(-1) <= (1 - top_p)
        drop[..., -1:] = False
        scores = scores.masked_fill(drop.scatter(1, order, drop), -float("inf"))
    return torch.multinomial(scores.softmax(-1), 1).squeeze(1)
