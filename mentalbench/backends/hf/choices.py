"""Choice scoring for logprob judging: P(choice | prompt + prefix), one prompt or many at once."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ...models.adapters import base_model
from .engine import Loaded, _cache_arg
from .kv import sdpa_backends

#: Tokens (query rows x width) per batched scoring forward pass.
SCORE_TOKENS = 16384
#: Logit values (rows x kept positions x vocabulary) per batched scoring forward pass: a GPU
#: wants big passes; on a CPU (measured with `make demo`'s judge) 2**24 was as fast as 2**28
#: and held 1.4 GB at peak instead of 4.2 GB.
SCORE_LOGITS = {"cuda": 1 << 28, "cpu": 1 << 24}


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    weights = {c: math.exp(v - top) for c, v in scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


def _rows(tok, prefixes: Sequence[str], choices: Sequence[str]) -> list[tuple[list[int], int]]:
    """Token ids of prefix + choice for every (prefix, choice), with the prefix's length."""
    rows = []
    for prefix in prefixes:
        pre = tok(prefix, add_special_tokens=False).input_ids
        for choice in choices:
            full = tok(prefix + choice, add_special_tokens=False).input_ids
            rows.append((full if full[:len(pre)] == pre
                         else pre + tok(choice, add_special_tokens=False).input_ids, len(pre)))
    return rows


def score_choices(loaded: Loaded, prompt: str, prefixes: Sequence[str],
                  choices: Sequence[str]) -> list[dict[str, float]]:
    """P(choice | prompt + prefix), normalised over choices, for each prefix.

    The prompt is encoded once; for each prefix, a copy of that cache is widened to one row
    per choice and prefix + choice is scored in a single batched forward pass.
    """
    import torch

    tok, model = loaded.tokenizer, loaded.model
    arg = _cache_arg(model)
    ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids.to(loaded.device)
    all_rows = _rows(tok, prefixes, choices)
    results = []
    with torch.inference_mode():
        base = model(ids, use_cache=True)
        cache = getattr(base, "cache", None) or base.past_key_values
        n_prompt = ids.shape[1]
        for p in range(len(prefixes)):
            rows = all_rows[p * len(choices):(p + 1) * len(choices)]
            width = max(len(r) for r, _ in rows)
            # Right padding is harmless: causal attention never lets a real token see it.
            batch = torch.tensor([r + [r[-1]] * (width - len(r)) for r, _ in rows],
                                 device=loaded.device)
            widened = copy.deepcopy(cache)
            widened.batch_repeat_interleave(len(rows))
            mask = torch.ones(len(rows), n_prompt + width, dtype=torch.long, device=loaded.device)
            logits = model(batch, attention_mask=mask, use_cache=True, **{arg: widened}).logits
            logp = torch.log_softmax(torch.cat(
                [base.logits[:, -1:].expand(len(rows), 1, -1), logits[:, :-1]], 1).float(), -1)
            # Only the choice's own tokens count; the shared prefix cancels out.
            results.append(_normalise({
                choice: sum(logp[i, t, r[t]].item() for t in range(n_pre, len(r)))
                for i, (choice, (r, n_pre)) in enumerate(zip(choices, rows, strict=True))}))
    return results


@dataclass(frozen=True)
class _Trie:
    """Every prefix + choice token sequence merged into a tree, one input token per node.

    `parent[k]` is node k's parent (-1: it follows the prompt); `depth[k]` its depth (1 at a
    root); `scored` lists, per (prefix, choice) row, (predicting node or -1, token) for each of
    the choice's tokens: the node whose output predicts the token, -1 for the prompt's last token.
    """

    tokens: list[int]
    parent: list[int]
    depth: list[int]
    scored: list[list[tuple[int, int]]]

    @classmethod
    def build(cls, rows: list[tuple[list[int], int]]) -> _Trie:
        tokens, parent, depth, index = [], [], [], {}
        scored = []
        for seq, n_pre in rows:
            node = -1
            nodes = []
            for t, token in enumerate(seq):
                key = (node, token)
                if key not in index:
                    index[key] = len(tokens)
                    tokens.append(token)
                    parent.append(node)
                    depth.append(t + 1)
                node = index[key]
                nodes.append(node)
            scored.append([(nodes[t - 1] if t else -1, seq[t]) for t in range(n_pre, len(seq))])
        return cls(tokens, parent, depth, scored)

    def ancestry(self):
        """(m, m) bool: [k, j] is True when node j is node k or one of its ancestors."""
        import torch

        m = len(self.tokens)
        seen = torch.eye(m, dtype=torch.bool)
        for k in range(m):
            if self.parent[k] >= 0:
                seen[k] |= seen[self.parent[k]]
        return seen


def common_prefix(sequences: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix that every sequence starts with."""
    first, n = sequences[0], min(len(s) for s in sequences)
    for s in sequences[1:]:
        n = next((i for i in range(n) if s[i] != first[i]), n)
    return n


def _mask_values(model):
    """(allowed, blocked) in the form the model's attention takes a 4-D mask; None if it takes none."""
    import torch

    attn = getattr(model.config, "_attn_implementation", None)
    if attn == "sdpa":
        return True, False
    if attn == "eager":
        return 0.0, torch.finfo(model.dtype).min
    return None


def score_choices_batch(loaded: Loaded, prompts: Sequence[str], prefixes: Sequence[str],
                        choices: Sequence[str]) -> list[list[dict[str, float]]]:
    """`score_choices` for many prompts: their longest common token prefix (system prompt and
    rubric, for judge prompts) is computed once, and every prefix + choice of a prompt is
    scored in one pass as a token tree after the prompt, many prompts per forward pass."""
    import torch

    tok, model, dev = loaded.tokenizer, loaded.model, loaded.device
    base = base_model(model)
    values = _mask_values(base)
    if values is None:  # attention that takes no tree mask (flash kernels): one prompt at a time
        return [score_choices(loaded, p, prefixes, choices) for p in prompts]
    if not prompts:
        return []
    encoded = [tok(p, add_special_tokens=False).input_ids for p in prompts]
    # Each prompt keeps at least its last token: its output predicts a choice's first token.
    shared = min(common_prefix(encoded), min(len(e) for e in encoded) - 1)
    trie = _Trie.build(_rows(tok, prefixes, choices))
    m, vocab = len(trie.tokens), base.config.get_text_config().vocab_size
    tree = _Tree(trie, shared, values, dev)
    owner = torch.tensor([r for r, row in enumerate(trie.scored) for _ in row], device=dev)
    order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
    logits_cap = SCORE_LOGITS.get(torch.device(dev).type, SCORE_LOGITS["cpu"])
    out: list[list[dict[str, float]] | None] = [None] * len(prompts)
    n = len(choices)
    with torch.inference_mode(), sdpa_backends():
        prefix_cache = None
        if shared:
            first = model(torch.tensor([encoded[0][:shared]], device=dev), use_cache=True)
            prefix_cache = getattr(first, "cache", None) or first.past_key_values
        start = 0
        while start < len(order):
            count = 1
            while start + count < len(order):
                width = len(encoded[order[start + count]]) - shared + m
                if ((count + 1) * width > SCORE_TOKENS
                        or (count + 1) * (m + 1) * vocab > logits_cap):
                    break
                count += 1
            batch = order[start:start + count]
            logp = tree.logprobs(model, [encoded[i][shared:] for i in batch], prefix_cache)
            per_row = torch.zeros(len(batch), len(trie.scored), device=dev)
            per_row.index_add_(1, owner, logp)
            for i, row in zip(batch, per_row.tolist(), strict=True):
                out[i] = [_normalise(dict(zip(choices, row[p * n:(p + 1) * n], strict=True)))
                          for p in range(len(prefixes))]
            start += count
    return out  # type: ignore[return-value]


class _Tree:
    """One forward pass over prompt suffixes, each followed by the choice tree."""

    def __init__(self, trie: _Trie, shared: int, values, dev):
        import torch

        self.trie, self.shared, self.values, self.dev = trie, shared, values, dev
        self.ancestry = trie.ancestry().to(dev)
        self.depth = torch.tensor(trie.depth, device=dev)
        self.tokens = trie.tokens
        self.cols = torch.tensor([k + 1 for row in trie.scored for k, _ in row], device=dev)
        self.targets = torch.tensor([t for row in trie.scored for _, t in row], device=dev)

    def logprobs(self, model, suffixes: list[list[int]], prefix_cache):
        """(prompts, scored tokens) log-probabilities, for suffixes of the shared prefix."""
        import torch

        shared, m, dev = self.shared, len(self.tokens), self.dev
        b, longest = len(suffixes), max(len(s) for s in suffixes)
        width = longest + m
        ids = torch.tensor([[s[0]] * (longest - len(s)) + s + self.tokens for s in suffixes],
                           device=dev)
        lengths = torch.tensor([len(s) for s in suffixes], device=dev)[:, None]
        col = torch.arange(longest, device=dev)[None]
        first = longest - lengths  # where each suffix starts after its left padding
        pos = torch.empty(b, width, dtype=torch.long, device=dev)
        pos[:, :longest] = shared + (col - first).clamp(min=0)
        pos[:, longest:] = shared + lengths - 1 + self.depth[None]
        real = col >= first  # (b, longest)
        allowed = torch.zeros(b, width, shared + width, dtype=torch.bool, device=dev)
        allowed[:, :, :shared] = True
        causal = torch.ones(longest, longest, dtype=torch.bool, device=dev).tril()
        # A suffix token sees the real suffix tokens up to itself; padding sees only itself.
        allowed[:, :longest, shared:shared + longest] = (
            causal[None] & real[:, None, :]) | torch.eye(longest, dtype=torch.bool, device=dev)
        allowed[:, longest:, shared:shared + longest] = real[:, None, :]
        allowed[:, longest:, shared + longest:] = self.ancestry
        yes, no = self.values
        mask = allowed[:, None] if yes is True else torch.where(
            allowed[:, None], torch.tensor(yes, dtype=model.dtype, device=dev),
            torch.tensor(no, dtype=model.dtype, device=dev))
        kwargs = {}
        if prefix_cache is not None:
            cache = copy.deepcopy(prefix_cache)
            cache.batch_repeat_interleave(b)
            kwargs = {"use_cache": True, _cache_arg(model): cache}
        logits = model(ids, attention_mask=mask, position_ids=pos, logits_to_keep=m + 1,
                       **kwargs).logits
        # Column 0 is the prompt's last token; column k + 1 is tree node k.
        logp = torch.log_softmax(logits.float(), -1)
        return logp[:, self.cols, self.targets]
