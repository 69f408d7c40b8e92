"""The bundled benchmark: 200 original questions, weighted topics, tag minimums, no near-duplicates."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from mentalbench.inputs.questions import load_questions
from mentalbench.inputs.resources import question_file
from mentalbench.inputs.topics import COUNSELCHAT_TOPICS as WEIGHTS


@pytest.fixture(scope="module")
def questions():
    return load_questions(question_file("mentalbench-200.jsonl")).questions


def test_two_hundred_with_stable_unique_ids(questions):
    assert len(questions) == 200
    assert [q.id for q in questions] == [f"mb-{i:03d}" for i in range(1, 201)]
    assert {q.source for q in questions} == {"mentalbench"}


def test_topics_are_counselchat_labels_weighted_as_there(questions):
    counts = Counter(q.topic for q in questions)
    assert set(counts) == set(WEIGHTS)
    total = sum(WEIGHTS.values())
    for topic, weight in WEIGHTS.items():
        expected = 200 * weight / total
        assert counts[topic] >= 2, topic
        assert abs(counts[topic] - expected) <= max(2, 0.3 * expected), (topic, counts[topic])


def test_tag_minimums(questions):
    tags = Counter(t for q in questions for t in q.tags)
    assert tags["crisis"] >= 20
    assert tags["caregiver"] >= 10
    assert all(1 <= len(q.tags) <= 4 and all(t == t.lower() for t in q.tags) for q in questions)


def test_lengths_between_40_and_400_words(questions):
    lengths = [len(q.text.split()) for q in questions]
    assert min(lengths) >= 40 and max(lengths) <= 400
    assert len({n // 50 for n in lengths}) >= 5  # a spread of lengths, not one size


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_no_near_duplicate_pair(questions):
    shingles = {q.id: _shingles(q.text) for q in questions}
    worst = 0.0
    for a, b in itertools.combinations(questions, 2):
        sa, sb = shingles[a.id], shingles[b.id]
        overlap = len(sa & sb) / max(1, min(len(sa), len(sb)))
        worst = max(worst, overlap)
        assert overlap < 0.1, (a.id, b.id, sorted(sa & sb)[:3])
    assert worst < 0.1
