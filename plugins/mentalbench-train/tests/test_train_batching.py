"""Padding-free rows and packing: no padding, nothing lost, and no attention across examples."""

from __future__ import annotations

import pytest
from mentalbench_train.batching import IGNORE, PaddingFreeCollator, pack, register_attention


def _row(n, start=1):
    ids = list(range(start, start + n))
    return {"input_ids": ids, "labels": [IGNORE] * (n // 2) + ids[n // 2:]}


def test_collator_lays_examples_end_to_end_with_restarting_positions():
    batch = PaddingFreeCollator()([_row(3, 10), _row(4, 20)])
    assert batch["input_ids"].tolist() == [[10, 11, 12, 20, 21, 22, 23]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1, 2, 3]]
    # The first token of every example is never a target: nothing learns across the seam.
    assert batch["labels"].tolist() == [[IGNORE, 11, 12, IGNORE, IGNORE, 22, 23]]
    assert batch["cu_seq_lens_q"].tolist() == [0, 3, 7] and batch["max_length_q"] == 4


def test_pack_fills_bins_best_fit_and_loses_nothing():
    rows = [_row(n, 100 * i) for i, n in enumerate([7, 5, 4, 3, 3, 2, 12])]
    bins = pack(rows, 10)
    assert sorted(b["seq_lengths"] for b in bins) == [[3, 2], [5, 4], [7, 3], [12]]  # 12: alone
    assert sorted(t for b in bins for t in b["input_ids"]) == sorted(
        t for r in rows for t in r["input_ids"])
    batch = PaddingFreeCollator()(bins)
    assert batch["cu_seq_lens_q"].diff().tolist() == [n for b in bins for n in b["seq_lengths"]]


def test_segment_attention_matches_each_example_alone():
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    name = register_attention()
    config = LlamaConfig(vocab_size=500, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
    torch.manual_seed(0)
    model = LlamaForCausalLM._from_config(config, attn_implementation=name).eval()
    seqs = [torch.randint(0, 500, (n,)).tolist() for n in (9, 4, 13)]
    batch = PaddingFreeCollator()([{"input_ids": s, "labels": s} for s in seqs])
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        alone = torch.cat([model(torch.tensor([s]), use_cache=False).logits[0] for s in seqs])
        packed = model(**inputs, use_cache=False).logits[0]
        naive = model(input_ids=batch["input_ids"], use_cache=False).logits[0]
    assert torch.allclose(packed, alone, atol=1e-5)
    assert not torch.allclose(naive, alone, atol=1e-2)  # without segments, examples leak


@pytest.mark.parametrize("length", [1, 5])
def test_pack_handles_tiny_bins(length):
    bins = pack([_row(3), _row(2)], length)
    assert sum(sum(b["seq_lengths"]) for b in bins) == 5


def test_one_varlen_call_matches_one_call_per_example_on_a_gpu(monkeypatch):
    import torch
    from mentalbench_train import batching
    from transformers import LlamaConfig, LlamaForCausalLM

    if not torch.cuda.is_available() or batching._varlen() is None:
        pytest.skip("needs a CUDA GPU and torch >= 2.10 (run on the device)")
    name = register_attention()
    config = LlamaConfig(vocab_size=500, hidden_size=256, intermediate_size=512,
                         num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2)
    torch.manual_seed(0)
    model = LlamaForCausalLM._from_config(config, attn_implementation=name,
                                          dtype=torch.bfloat16).cuda()
    seqs = [torch.randint(0, 500, (n,)).tolist() for n in (90, 41, 130, 7)]
    batch = PaddingFreeCollator()([{"input_ids": s, "labels": s} for s in seqs])
    batch = {k: v.cuda() if hasattr(v, "cuda") else v for k, v in batch.items()}
    calls = []
    varlen = batching.varlen_segments

    def counted(*args):
        out = varlen(*args)
        calls.extend([1] if out is not None else [])
        return out

    monkeypatch.setattr(batching, "varlen_segments", counted)

    def run():
        model.zero_grad()
        out = model(**batch, use_cache=False)
        out.loss.backward()
        grad = model.model.layers[0].self_attn.q_proj.weight.grad.float().clone()
        return out.logits.float(), grad

    fused_logits, fused_grad = run()
    assert len(calls) == config.num_hidden_layers  # one call a layer, not one an example
    monkeypatch.setattr(batching, "_varlen", lambda: None)
    loop_logits, loop_grad = run()
    assert len(calls) == config.num_hidden_layers
    assert (fused_logits - loop_logits).abs().max() < 0.05
    assert torch.allclose(fused_grad, loop_grad, atol=2e-2, rtol=5e-2)
