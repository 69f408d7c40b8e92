"""The static engine's KV cache and decode attention, as transformers models call them."""

from __future__ import annotations

import contextlib

from ...models.adapters import base_model

#: The name our decode attention is registered under in transformers' AttentionInterface.
ATTENTION = "mentalbench_decode"
#: sdpa backends for the engine's prefill and decode and for batched scoring: not cuDNN, which
#: builds a plan for every new shape (every prefill chunk, every row group: tens of ms to
#: seconds on an H200, more than its kernels saved there).
SDPA_BACKENDS: tuple[str, ...] | None = ("FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH")


def sdpa_backends():
    """A context that limits sdpa to SDPA_BACKENDS (all of torch's when None)."""
    if SDPA_BACKENDS is None:
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([getattr(SDPBackend, name) for name in SDPA_BACKENDS])


# The groups of the decode step now being run or captured: ((first row, end row, first
# cache position), ...) and the end position. Set only around our own forward calls.
PLAN: list[tuple[tuple[tuple[int, int, int], ...], int] | None] = [None]


def _attention(module, query, key, value, attention_mask, **kwargs):
    """sdpa; for one new token per row, query heads fold onto their shared KV head, and each
    row group reads only its own span of the cache."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    plan = PLAN[0]
    if plan is None or query.shape[2] != 1:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    import torch

    groups, end = plan
    b, heads, _, dim = query.shape
    kv_heads = key.shape[1]
    q = query.reshape(b, kv_heads, heads // kv_heads, dim)
    with sdpa_backends():
        outs = [torch.nn.functional.scaled_dot_product_attention(
            q[r0:r1], key[r0:r1, :, start:end], value[r0:r1, :, start:end],
            attn_mask=attention_mask[r0:r1, :, :, start:end], scale=kwargs.get("scaling"))
            for r0, r1, start in groups]
    out = outs[0] if len(outs) == 1 else torch.cat(outs)
    return out.reshape(b, heads, 1, dim).transpose(1, 2).contiguous(), None


@contextlib.contextmanager
def decode_attention(model):
    """Switch the model to our decode attention (registered once), and back afterwards."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    base = base_model(model)
    AttentionInterface.register(ATTENTION, _attention)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)
    base.set_attn_implementation(ATTENTION)
    try:
        yield
    finally:
        base.set_attn_implementation("sdpa")


class StaticKV:
    """Per-layer (batch, kv_heads, length, head_dim) buffers, written at one position held on
    the device, so that a captured decode step replays correctly at every position."""

    is_compileable = False

    def __init__(self, keys: list, values: list, write_pos):
        self.keys, self.values, self.write_pos = keys, values, write_pos

    def update(self, key_states, value_states, layer_idx: int, *args, **kwargs):
        keys, values = self.keys[layer_idx], self.values[layer_idx]
        keys.index_copy_(2, self.write_pos, key_states)
        values.index_copy_(2, self.write_pos, value_states)
        return keys, values

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return 0  # never asked: every call passes position_ids

    def __len__(self) -> int:
        return len(self.keys)
