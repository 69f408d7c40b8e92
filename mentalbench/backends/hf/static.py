"""Batched decoding for the hf backend: length-sorted prefill, a preallocated KV cache, and one
CUDA graph per decode step on GPUs.

Plain `generate` pads every prompt of a batch to the longest, then launches every kernel of
every layer from Python at each step. Here prompts are prefilled longest first, in chunks padded
only to their own longest prompt, by the model's own forward pass (the masks and positions
`generate` uses); their keys and values are copied into a cache allocated once for the batch.
Each decode step -- forward pass, greedy pick and bookkeeping, all addressed through tensors on
the device -- is captured once as a CUDA graph and replayed with no host sync per token. While
decoding, query heads fold onto their shared KV head, and batches of more than 2 x GROUP_ROWS
rows attend in length groups that read only the part of the cache their rows use.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...models.adapters import base_model
from ...records.base import Completion
from . import releases as hf_releases
from .kv import PLAN, StaticKV, decode_attention, sdpa_backends

#: Cache lengths are rounded up to this, so batches of similar length share buffers and graphs.
CACHE_STEP = 64
#: Padded prompt tokens per prefill forward pass.
PREFILL_TOKENS = 8192
#: Rows per attention group; batches up to twice this attend as one group over the whole cache.
GROUP_ROWS = 32
#: Decode steps per captured graph in grouped attention (its reads end after the last of them).
END_STEP = 128
#: How many decode steps run between checks (a device sync) for "every row has finished".
STOP_CHECK_EVERY = 16
#: Capture a sampled step's pick (temperature, top-k, top-p, the draw) and bookkeeping in its
#: graph too, as a greedy step's argmax is; False picks eagerly after each replay (see
#: benchmarks/RESULTS.md, "Sampled decoding", for what each costs).
SAMPLE_IN_GRAPH = False

# Generation-config fields whose non-default values would make `generate` pick other tokens.
_PROCESSOR_FIELDS = {
    "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "bad_words_ids": None,
    "min_length": 0, "min_new_tokens": None, "suppress_tokens": None,
    "begin_suppress_tokens": None, "forced_bos_token_id": None, "forced_eos_token_id": None,
    "sequence_bias": None, "encoder_repetition_penalty": 1.0, "exponential_decay_length_penalty": None,
    "renormalize_logits": False, "num_beams": 1,
}


def unsupported(model, max_len: int, version: str | None = None) -> str | None:
    """Why the static engine cannot stand in for `generate` on this model (None when it can).

    `version` is the transformers release to judge by (the installed one when None).
    """
    reason = hf_releases.version_unsupported(version or hf_releases.installed_version())
    if reason:
        return reason
    base = base_model(model)
    cfg = base.config
    if getattr(cfg, "is_encoder_decoder", False):
        return "encoder-decoder model"
    attn = getattr(cfg, "_attn_implementation", None)
    if attn != "sdpa":
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
    can_set = getattr(type(base), "_can_set_attn_implementation", None)
    if can_set is None or not can_set():
        return "a model class whose attention implementation cannot be switched"
    return None


@dataclass
class _Slot:
    """The buffers of one batch shape, and the decode graphs captured over them."""

    batch: int
    length: int
    new_tokens: int
    ids: Any  # (B, 1) next input token
    pos: Any  # (B, 1) its position id
    write_pos: Any  # (1,) the cache position the next step writes
    step: Any  # (1,) the output column the next step fills
    out: Any  # (B, new_tokens) generated ids, pad after the end
    unfinished: Any  # (B,)
    eos: Any
    pad: Any
    pad_id: int
    cache: StaticKV | None = None
    mask: Any = None  # (B, 1, 1, L) additive: 0 where the new token may attend, dtype min elsewhere
    graphs: dict = field(default_factory=dict)
    logits: dict = field(default_factory=dict)  # a sampling graph's output buffer, per key
    pool: Any = None


@dataclass(frozen=True)
class Timing:
    """Where one batch's time went: prefill, decode steps, and how many steps."""

    prompts: int
    prefill_s: float
    decode_s: float
    steps: int


class StaticEngine:
    """Batched decoding over one loaded model; keeps the last batch shape's buffers and graphs."""

    def __init__(self, loaded, use_graphs: bool):
        self.loaded = loaded
        self.use_graphs = use_graphs
        self._slot: _Slot | None = None
        self.graph_failure: str | None = None
        self.timings: list[Timing] = []

    def graphs_active(self) -> bool:
        """Whether decode steps replay CUDA graphs (False on CPU or after a failed capture)."""
        return self.use_graphs and self.loaded.device.type == "cuda"

    def _slot_for(self, batch: int, length: int, new_tokens: int) -> _Slot:
        import torch

        from .engine import eos_ids

        slot = self._slot
        if slot and (slot.batch, slot.length, slot.new_tokens) == (batch, length, new_tokens):
            return slot
        self._slot = None  # free the old cache and graphs before allocating new ones
        dev, pad = self.loaded.device, self.loaded.tokenizer.pad_token_id
        long = dict(dtype=torch.long, device=dev)
        slot = _Slot(batch, length, new_tokens, torch.zeros(batch, 1, **long),
                     torch.zeros(batch, 1, **long), torch.zeros(1, **long), torch.zeros(1, **long),
                     torch.zeros(batch, new_tokens, **long),
                     torch.zeros(batch, dtype=torch.bool, device=dev),
                     torch.tensor(sorted(eos_ids(self.loaded)), **long),
                     torch.tensor(pad, **long), pad)
        if self.graphs_active():
            slot.pool = torch.cuda.graph_pool_handle()
        self._slot = slot
        return slot

    def generate(self, prompts: Sequence[str], *, max_new_tokens: int, temperature: float,
                 top_k: int, top_p: float, seed: int) -> list[Completion]:
        """Generate for one batch of rendered prompts; one Completion each, as `generate` would."""
        import torch

        from .engine import completions

        tok, model = self.loaded.tokenizer, self.loaded.model
        encoded = [tok(p, add_special_tokens=False).input_ids for p in prompts]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))  # longest first
        lens = [len(encoded[i]) for i in order]
        width = lens[0]
        length = -(-(width + max_new_tokens) // CACHE_STEP) * CACHE_STEP
        window = getattr(base_model(model).config, "sliding_window", None)
        if window:
            length = min(length, window)
        sample = dict(temperature=temperature, top_k=top_k, top_p=top_p)
        torch.manual_seed(seed)
        clock = _Clock(self.loaded.device)
        with torch.inference_mode():
            slot = self._slot_for(len(encoded), length, max_new_tokens)
            first = self._prefill(slot, [encoded[i] for i in order], width)
            self._start(slot, first, lens, width, sample)
            clock.mark()
            steps = 1
            with decode_attention(model):
                for step in range(1, max_new_tokens):
                    if step % STOP_CHECK_EVERY == 0 and not bool(slot.unfinished.any()):
                        break
                    self._step(slot, self._plan(lens, width, length, step), sample)
                    steps = step + 1
            clock.mark()
            rows = slot.out[:, :steps].tolist()
        prefill_s, decode_s = clock.spans()
        self.timings.append(Timing(len(encoded), prefill_s, decode_s, steps))
        unsorted: list[list[int]] = [[] for _ in encoded]
        for row, i in zip(rows, order, strict=True):
            unsorted[i] = row
        return completions(self.loaded, unsorted, [len(e) for e in encoded])

    def _prefill(self, slot: _Slot, encoded: list[list[int]], width: int):
        """Prefill prompts (sorted longest first) in chunks; fill the cache and mask; return the
        logits of each prompt's last token."""
        import torch

        model, dev = self.loaded.model, self.loaded.device
        pad = slot.pad_id
        firsts, r0 = [], 0
        while r0 < len(encoded):
            chunk_width = len(encoded[r0])
            chunk = encoded[r0:r0 + max(1, PREFILL_TOKENS // chunk_width)]
            ids = torch.tensor([[pad] * (chunk_width - len(e)) + e for e in chunk], device=dev)
            am = torch.tensor([[0] * (chunk_width - len(e)) + [1] * len(e) for e in chunk],
                              device=dev)
            # Exactly as `generate` prefills: 2-D padding mask, positions from its cumsum.
            pos = am.cumsum(-1) - 1
            pos.masked_fill_(am == 0, 1)
            with sdpa_backends():
                out = model(input_ids=ids, attention_mask=am, position_ids=pos, use_cache=True,
                            logits_to_keep=1)
            cache = getattr(out, "cache", None) or out.past_key_values
            if slot.cache is None:
                self._allocate(slot, cache)
            if r0 == 0:
                slot.mask.fill_(torch.finfo(slot.mask.dtype).min)
            rows, span = slice(r0, r0 + len(chunk)), slice(width - chunk_width, width)
            for layer, keys, values in zip(cache.layers, slot.cache.keys, slot.cache.values,
                                           strict=True):
                keys[rows, :, span].copy_(layer.keys)
                values[rows, :, span].copy_(layer.values)
            slot.mask[rows, 0, 0, span].masked_fill_(am.bool(), 0)
            firsts.append(out.logits[:, -1, :])
            r0 += len(chunk)
        return torch.cat(firsts)

    @staticmethod
    def _allocate(slot: _Slot, cache) -> None:
        """Zeroed buffers shaped like the prefill's cache layers (zeros: never NaN, even masked),
        and the mask in their dtype, which is the queries' (sdpa adds it to the scores)."""
        import torch

        def buffer(t):
            return torch.zeros(slot.batch, t.shape[1], slot.length, t.shape[3], dtype=t.dtype,
                               device=t.device)

        slot.cache = StaticKV([buffer(la.keys) for la in cache.layers],
                               [buffer(la.values) for la in cache.layers], slot.write_pos)
        first = cache.layers[0].keys
        slot.mask = torch.empty(slot.batch, 1, 1, slot.length, dtype=first.dtype,
                                device=first.device)

    def _start(self, slot: _Slot, first, lens: list[int], width: int, sample: dict) -> None:
        """The first new token (from the prefill's logits) and the state the decode steps read."""
        import torch

        nxt = _pick(first, **sample)
        slot.out.fill_(slot.pad_id)
        slot.out[:, 0] = nxt
        slot.unfinished.copy_(~(nxt[:, None] == slot.eos).any(-1))
        slot.ids.copy_(nxt[:, None])
        slot.pos.copy_(torch.tensor(lens, device=slot.pos.device)[:, None])
        slot.write_pos.fill_(width)
        slot.step.fill_(1)
        slot.mask[:, 0, 0, width] = 0

    @staticmethod
    def _plan(lens: list[int], width: int, length: int, step: int):
        """Attention groups for decode step `step` (>= 1): one over the whole cache for small
        batches; else GROUP_ROWS rows each, from their longest prompt's start to the end of
        this step's END_STEP block."""
        if len(lens) <= 2 * GROUP_ROWS:
            return ((0, len(lens), 0),), length
        end = min(length, -(-(width + ((step - 1) // END_STEP + 1) * END_STEP) // 16) * 16)
        return tuple((r0, min(len(lens), r0 + GROUP_ROWS), (width - lens[r0]) // 16 * 16)
                     for r0 in range(0, len(lens), GROUP_ROWS)), end

    def _forward(self, slot: _Slot, plan):
        from .engine import _cache_arg

        model = self.loaded.model
        PLAN[0] = plan
        try:
            out = model(input_ids=slot.ids, attention_mask=slot.mask, position_ids=slot.pos,
                        use_cache=True, **{_cache_arg(model): slot.cache})
        finally:
            PLAN[0] = None
        return out.logits[:, -1, :]

    @staticmethod
    def _advance(slot: _Slot, nxt) -> None:
        """Record the picked tokens and make them the next step's input; all on the device."""
        import torch

        nxt = torch.where(slot.unfinished, nxt, slot.pad)
        slot.out.index_copy_(1, slot.step, nxt[:, None])
        slot.unfinished &= ~(nxt[:, None] == slot.eos).any(-1)
        slot.ids.copy_(nxt[:, None])
        slot.pos.add_(1)
        slot.write_pos.add_(1)
        slot.mask.index_fill_(3, slot.write_pos, 0)
        slot.step.add_(1)

    def _step(self, slot: _Slot, plan, sample: dict) -> None:
        greedy = sample["temperature"] <= 0
        whole = greedy or SAMPLE_IN_GRAPH  # the graph holds the pick and the bookkeeping
        key = (plan, whole, tuple(sorted(sample.items())) if whole and not greedy else None)
        graph = slot.graphs.get(key)
        if graph is not None:
            graph.replay()
            if not whole:
                self._advance(slot, _pick(slot.logits[key], **sample))
            return
        logits = self._run_and_capture(slot, plan, key, sample) if self.graphs_active() else None
        if logits is None:
            logits = self._forward(slot, plan)
        self._advance(slot, _pick(logits, **sample))

    def _run_and_capture(self, slot: _Slot, plan, key, sample: dict):
        """Run this step eagerly on a side stream (warming kernels and workspaces), then capture
        it; a graph keyed as whole also holds the pick (a draw from the device's generator,
        which graph replays advance as eager calls do) and the bookkeeping."""
        import torch

        whole = key[1]
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            logits = self._forward(slot, plan)
            graph = torch.cuda.CUDAGraph()
            try:
                with torch.cuda.graph(graph, pool=slot.pool, stream=stream):
                    captured = self._forward(slot, plan)
                    if whole:
                        self._advance(slot, _pick(captured, **sample))
            except Exception as exc:  # noqa: BLE001 - any capture failure means: run eagerly
                self.graph_failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
                self.use_graphs = False
                print(f"mentalbench: CUDA graph capture failed ({self.graph_failure}); "
                      "decoding without graphs", file=sys.stderr)
            else:
                slot.graphs[key] = graph
                if not whole:
                    slot.logits[key] = captured
        torch.cuda.current_stream().wait_stream(stream)
        return logits


class _Clock:
    """Wall-clock marks of a batch's phases; on a GPU, CUDA events read once at the end."""

    def __init__(self, device):
        import torch

        self.torch = torch
        self.cuda = device.type == "cuda"
        self.marks: list[Any] = []
        self.mark()

    def mark(self) -> None:
        if self.cuda:
            event = self.torch.cuda.Event(enable_timing=True)
            event.record()
            self.marks.append(event)
        else:
            self.marks.append(time.perf_counter())

    def spans(self) -> list[float]:
        pairs = zip(self.marks, self.marks[1:], strict=False)
        if self.cuda:
            self.torch.cuda.synchronize()
            return [a.elapsed_time(b) / 1000 for a, b in pairs]
        return [b - a for a, b in pairs]


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
