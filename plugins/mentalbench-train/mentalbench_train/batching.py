"""Batches without padding: examples laid end to end in one row, each attending only to itself.

Two ways to fill a step, both free of padding and of attention across examples:
- padding-free: the batch's examples (e.g. 8) concatenated into one row;
- packed: examples first grouped into bins of up to `pack_length` tokens (best fit
  decreasing), then a batch of bins concatenated the same way.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The attention implementation name registered with transformers by `register_attention()`.
ATTENTION = "mentalbench_segments"

IGNORE = -100


def pack(rows: Sequence[dict[str, Any]], length: int) -> list[dict[str, Any]]:
    """Group encoded rows into bins of at most `length` tokens, best fit decreasing.

    Nothing is cut: a row longer than `length` gets a bin of its own. Each bin keeps its rows'
    lengths in `seq_lengths`, so positions restart and attention stays inside every row.
    """
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i]["input_ids"]))
    bins: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (room left, bin index), sorted
    for i in order:
        n = len(rows[i]["input_ids"])
        at = bisect.bisect_left(free, (n, -1))
        if at < len(free):
            room, b = free.pop(at)
            bins[b].append(i)
            bisect.insort(free, (room - n, b))
        else:
            bins.append([i])
            if length - n > 0:
                bisect.insort(free, (length - n, len(bins) - 1))
    return [{"input_ids": [t for i in b for t in rows[i]["input_ids"]],
             "labels": [t for i in b for t in rows[i]["labels"]],
             "seq_lengths": [len(rows[i]["input_ids"]) for i in b]} for b in bins]


@dataclass(frozen=True)
class PaddingFreeCollator:
    """Concatenate a batch of encoded rows (or packed bins) into one row, positions per example.

    No padding token is ever computed on. Positions restart at 0 for every example and the
    segment boundaries travel as `cu_seq_lens_q/k`, so attention (ours below, or any varlen
    flash kernel) never crosses from one example into the next.
    """

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        bounds = [0]
        for f in features:
            start = 0
            for n in f.get("seq_lengths") or [len(f["input_ids"])]:
                if n == 0:
                    continue
                ids.extend(f["input_ids"][start:start + n])
                # The previous example's last token must not learn to predict this one.
                labels.append(IGNORE)
                labels.extend(f["labels"][start + 1:start + n])
                positions.extend(range(n))
                bounds.append(bounds[-1] + n)
                start += n
        cu = torch.tensor(bounds, dtype=torch.int32)
        longest = max((b - a for a, b in zip(bounds, bounds[1:], strict=False)), default=0)
        return {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "cu_seq_lens_q": cu, "cu_seq_lens_k": cu,
            "max_length_q": longest, "max_length_k": longest,
        }


_bounds_seen: list = [None, None]  # (cu tensor, its values): one device sync per forward


def _bounds(cu) -> list[int]:
    if _bounds_seen[0] is not cu:
        _bounds_seen[:] = [cu, cu.tolist()]
    return _bounds_seen[1]


@functools.cache
def _varlen():
    """torch's variable-length flash attention and its parameter names, or None (CPU, old torch)."""
    import inspect

    try:
        from torch.nn.attention.varlen import varlen_attn
    except ImportError:  # torch < 2.10
        return None
    return varlen_attn, frozenset(inspect.signature(varlen_attn).parameters)


def varlen_segments(query, key, value, cu, longest: int, scaling: float | None, groups: int):
    """Every segment of the row in ONE causal flash call: (1, T, heads, dim), no padding computed."""
    from transformers.integrations.sdpa_attention import repeat_kv

    found = _varlen()
    if found is None:
        return None
    varlen_attn, params = found
    kwargs = {"scale": scaling}
    if "is_causal" in params:  # torch 2.10
        kwargs["is_causal"] = True
    else:
        kwargs["window_size"] = (-1, 0)
    if groups > 1 and "enable_gqa" in params:
        kwargs["enable_gqa"] = True
    elif groups > 1:
        key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    # (1, heads, T, dim) -> (T, heads, dim), the layout the varlen kernel reads.
    q, k, v = (t[0].transpose(0, 1).contiguous() for t in (query, key, value))
    out = varlen_attn(q, k, v, cu, cu, longest, longest, **kwargs)
    return out.unsqueeze(0), None


def segment_attention(module, query, key, value, attention_mask, dropout: float = 0.0,
                      scaling: float | None = None, **kwargs):
    """Causal attention within each segment of a padding-free row; plain SDPA otherwise."""
    import torch
    from torch.nn import functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    cu = kwargs.get("cu_seq_lens_q")
    window = kwargs.get("sliding_window")
    longest = int(kwargs.get("max_length_q") or 0)
    if (cu is None or query.shape[0] != 1 or query.shape[2] != key.shape[2]
            or (window and longest > window)):
        # Not a padding-free row (e.g. generation), or segments longer than a sliding window:
        # SDPA with the mask transformers builds from the restarting position_ids.
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, **kwargs)
    groups = getattr(module, "num_key_value_groups", 1)
    half = (torch.bfloat16, torch.float16)
    if query.is_cuda and query.dtype not in half and torch.is_autocast_enabled("cuda"):
        # What SDPA does under autocast: attention in the autocast dtype.
        dtype = torch.get_autocast_dtype("cuda")
        query, key, value = query.to(dtype), key.to(dtype), value.to(dtype)
    if query.is_cuda and not dropout and longest and cu.is_cuda and query.dtype in half:
        done = varlen_segments(query, key, value, cu, longest, scaling, groups)
        if done is not None:
            return done
    bounds = _bounds(cu)
    if query.shape[2] != int(bounds[-1]):
        raise ValueError(f"segment attention: the row has {query.shape[2]} tokens but its "
                         f"segments add up to {bounds[-1]}")
    gqa = {}
    if groups > 1 and query.is_cuda:
        gqa["enable_gqa"] = True  # the CUDA flash kernel reads shared key/value heads in place
    elif groups > 1:
        key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    # One causal call per example, so no score between two examples is ever computed. Flash
    # first: cuDNN (preferred by torch on Hopper) builds a plan per new sequence length, and
    # every example has its own length (measured: slower than padding).
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
                      SDPBackend.MATH]):
        outs = [F.scaled_dot_product_attention(query[:, :, s:e], key[:, :, s:e],
                                               value[:, :, s:e], dropout_p=dropout,
                                               scale=scaling, is_causal=True, **gqa)
                for s, e in zip(bounds, bounds[1:], strict=False) if e > s]
    out = torch.cat(outs, dim=2) if len(outs) > 1 else outs[0]
    return out.transpose(1, 2).contiguous(), None


def register_attention() -> str:
    """Make `attn_implementation="mentalbench_segments"` known to transformers; return the name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

    AttentionInterface.register(ATTENTION, segment_attention)
    # Masks are built as for SDPA (used when no segments are given, e.g. generation).
    AttentionMaskInterface.register(ATTENTION, ALL_MASK_ATTENTION_FUNCTIONS["sdpa"])
    return ATTENTION
