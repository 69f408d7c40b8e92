"""Transcript pages (form feed, markers, size budget) and topic weights (default or a file)."""

from __future__ import annotations

from collections import Counter

import pytest
from mentalbench_train.data.pages import (
    estimate_tokens,
    find_transcripts,
    read_transcript,
    split_pages,
)
from mentalbench_train.data.topics import draw_topics, load_topics

from mentalbench.errors import InputError
from mentalbench.inputs.topics import COUNSELCHAT_TOPICS


def test_form_feeds_make_pages_and_blank_pages_keep_their_number():
    pages = split_pages("first page\f\f third page\f", "a.txt")
    assert [(p.number, p.text, p.split) for p in pages] == [
        (1, "first page", "form-feed"), (2, "", "form-feed"), (3, "third page", "form-feed")]
    assert pages[2].ref == "a.txt#page=3"


def test_page_markers():
    text = "Page 1\nhello\n\n- 2 -\nworld\n[Page 3 of 3]\nend\n"
    pages = split_pages(text, "b.txt")
    assert [(p.number, p.text) for p in pages] == [(1, "hello"), (2, "world"), (3, "end")]
    assert {p.split for p in pages} == {"marker"}


def test_custom_marker_pattern_and_a_bad_one():
    pages = split_pages("=== 1 ===\na\n=== 2 ===\nb", "c.txt", pattern=r"^=== \d+ ===$")
    assert [p.text for p in pages] == ["a", "b"]
    with pytest.raises(InputError, match="--page-pattern"):
        split_pages("x", "c.txt", pattern="(")


def test_token_budget_packs_paragraphs_and_cuts_long_ones():
    text = "\n\n".join(" ".join(["word"] * 50) for _ in range(6))
    pages = split_pages(text, "d.txt", budget=140)  # 140 tokens ~ 105 words: two paragraphs
    assert [len(p.text.split()) for p in pages] == [100, 100, 100]
    assert all(estimate_tokens(p.text) <= 140 for p in pages)
    long = split_pages(" ".join(["word"] * 250), "e.txt", budget=100)
    assert [len(p.text.split()) for p in long] == [75, 75, 75, 25]


def test_finding_transcripts(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "sub" / "a.md").write_text("a")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("h")
    base, files = find_transcripts(tmp_path)
    assert base == tmp_path
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["b.txt", "sub/a.md"]
    with pytest.raises(InputError, match="no such file or folder"):
        find_transcripts(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .txt, .text, .md files"):
        find_transcripts(tmp_path / "empty")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff")
    with pytest.raises(InputError, match=r"bad.txt: not UTF-8 text \(byte 3\)"):
        read_transcript(bad)


def test_counselchat_weights_are_the_33_labels():
    assert len(COUNSELCHAT_TOPICS) == 33
    assert sum(COUNSELCHAT_TOPICS.values()) == 1217


def test_topic_draws_are_seeded_and_follow_the_weights():
    assert draw_topics(COUNSELCHAT_TOPICS, 10, 0, 7) == draw_topics(COUNSELCHAT_TOPICS, 10, 0, 7)
    assert draw_topics(COUNSELCHAT_TOPICS, 10, 0, 7) != draw_topics(COUNSELCHAT_TOPICS, 10, 1, 7)
    drawn = Counter(t for b in range(1, 1001) for t in draw_topics(COUNSELCHAT_TOPICS, 10, 0, b))
    for topic in ("Relationships", "Anxiety", "Stress"):
        expected = 10_000 * COUNSELCHAT_TOPICS[topic] / 1217
        assert abs(drawn[topic] - expected) < 0.15 * expected, topic


def test_topics_file_formats(tmp_path):
    lines = tmp_path / "t.csv"
    lines.write_text("# my topics\nCaregiving, 3\nGrief and Loss\t1\nBurnout\n")
    assert load_topics(lines) == {"Caregiving": 3.0, "Grief and Loss": 1.0, "Burnout": 1.0}
    js = tmp_path / "t.json"
    js.write_text('{"Caregiving": 2, "Sleep": 0.5}')
    assert load_topics(js) == {"Caregiving": 2.0, "Sleep": 0.5}
    assert set(draw_topics(load_topics(js), 50, 0, 1)) == {"Caregiving", "Sleep"}


@pytest.mark.parametrize("name, content, message", [
    ("t.csv", "Caregiving, lots\n", r"t.csv:1: weight 'lots': expected a number"),
    ("t.csv", "A, 1\nA, 2\n", r"t.csv:2: topic 'A' listed twice"),
    ("t.csv", "A, 0\n", r"t.csv:1: weight '0': expected a number > 0"),
    ("t.json", "[1, 2]", r"t.json: expected a JSON object"),
    ("t.json", '{"A": 1,', r"t.json:1: not valid JSON"),
    ("t.csv", "# nothing\n", r"t.csv: expected at least one named topic"),
])
def test_topics_file_errors_name_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_topics(path)
