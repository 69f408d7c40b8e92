"""The seeded train/eval split discards nothing; mixing weights repeat rows, never drop them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mentalbench_train.datasets import Example
from mentalbench_train.mixing import eval_count, mix, parse_weights, split

from mentalbench.errors import InputError


def _examples(name: str, n: int) -> list[Example]:
    return [Example(({"role": "user", "content": f"{name} {i}"},
                     {"role": "assistant", "content": "ok"}), f"{name}:{i + 1}", "pair")
            for i in range(n)]


def test_split_is_reproducible_and_keeps_every_example():
    rows = _examples("a", 50)
    train, evals = split(rows, 0.1, seed=3, salt="a")
    assert (train, evals) == split(rows, 0.1, seed=3, salt="a")
    assert len(evals) == 5
    assert sorted(e.source for e in train + evals) == sorted(e.source for e in rows)
    assert not {e.source for e in train} & {e.source for e in evals}
    assert split(rows, 0.1, seed=4, salt="a")[1] != evals


@pytest.mark.parametrize("n, fraction, expected", [(100, 0.05, 5), (10, 0.01, 1), (1, 0.5, 0),
                                                   (2, 0.9, 1), (30, 0.0, 0)])
def test_eval_count(n, fraction, expected):
    assert eval_count(n, fraction) == expected


def test_files_are_concatenated_and_their_shares_recorded():
    result = mix([(Path("syn.jsonl"), _examples("s", 30)), (Path("int.jsonl"), _examples("i", 10))],
                 eval_fraction=0.1, seed=0)
    assert len(result.train) == 27 + 9 and len(result.eval) == 3 + 1
    shares = {Path(s.path).name: (s.rows, s.train, s.eval, s.train_used, s.share, s.weight)
              for s in result.sources}
    assert shares == {"syn.jsonl": (30, 27, 3, 27, 0.75, None),
                      "int.jsonl": (10, 9, 1, 9, 0.25, None)}


def test_weights_repeat_the_smaller_file_and_drop_nothing():
    syn, inter = _examples("s", 30), _examples("i", 10)
    result = mix([(Path("syn.jsonl"), syn), (Path("int.jsonl"), inter)], eval_fraction=0.0,
                 seed=0, weights=(1, 1))
    counts = Counter(e.source.split(":")[0] for e in result.train)
    assert counts == {"s": 30, "i": 30}
    assert {e.source for e in syn + inter} <= {e.source for e in result.train}
    assert [s.share for s in result.sources] == [0.5, 0.5]


def test_uneven_weights_top_up_with_a_seeded_sample():
    result = mix([(Path("a"), _examples("a", 10)), (Path("b"), _examples("b", 7))],
                 eval_fraction=0.0, seed=1, weights=(2, 1))
    counts = Counter(e.source.split(":")[0] for e in result.train)
    assert counts == {"a": 14, "b": 7}
    again = mix([(Path("a"), _examples("a", 10)), (Path("b"), _examples("b", 7))],
                eval_fraction=0.0, seed=1, weights=(2, 1))
    assert again == result


@pytest.mark.parametrize("text, message", [("1", "expected 2 weights"), ("1,x", "numbers"),
                                           ("1,0", "weights > 0")])
def test_bad_weights(text, message):
    with pytest.raises(InputError, match=message):
        parse_weights(text, 2)
