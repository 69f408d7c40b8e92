"""Scoring: ratings found by metric name in many formats; never an invented score."""

from __future__ import annotations

import json

import pytest

from mentalbench.records import Score
from mentalbench.resources import rubric_dir
from mentalbench.rubric import load_rubric
from mentalbench.scoring import (
    choice_labels,
    expected_scores,
    merge_scores,
    parse_ratings,
    slot_prefix,
    text_scores,
)


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(rubric_dir("mentalgpt"))


def _only_given(ratings):
    return {k: v for k, v in ratings.items() if v is not None}


def _all_lines(rubric, fmt, values):
    return "\n".join(fmt.format(name=m.name, v=v) for m, v in zip(rubric.rated, values, strict=True))


VALUES = [8, 7, 6, 5, 9, 4, 3, 2]  # one distinct rating per rated slot


@pytest.mark.parametrize("fmt", [
    "{name}: [[{v}]]",
    "**{name}**: {v}/10",
    "{name} - {v}",
    "{name} (rating): {v}",
    "- **{name}:** {v} out of 10",
    "{name}: [[ {v} ]]",
    "{name}: {v} / 10",
    "{name} – {v}",
    "{name} score: {v}",
])
def test_every_format_gives_every_metric(rubric, fmt):
    text = "Explanation: the reply is kind but thin.\n\n" + _all_lines(rubric, fmt, VALUES)
    ratings = parse_ratings(text, rubric)
    assert ratings == {m.key: float(v) for m, v in zip(rubric.rated, VALUES, strict=True)}


def test_decimal_ratings(rubric):
    ratings = parse_ratings("Overall (rating): 7.5\nActive Listening: 6.25/10", rubric)
    assert (ratings["overall"], ratings["active_listening"]) == (7.5, 6.25)


def test_order_does_not_matter(rubric):
    pairs = list(zip(rubric.rated, VALUES, strict=True))[::-1]
    text = "\n".join(f"{m.name}: [[{v}]]" for m, v in pairs)
    assert parse_ratings(text, rubric) == {m.key: float(v) for m, v in pairs}


@pytest.mark.parametrize("written, key", [
    ("Empathy and Validation", "empathy_validation"),
    ("EMPATHY & VALIDATION", "empathy_validation"),
    ("empathy & validation", "empathy_validation"),
    ("Safety and Trustworthiness", "safety_trustworthiness"),
    ("Open-Mindedness and Non-Judgment", "open_mindedness_non_judgment"),
    ("open mindedness & non judgment", "open_mindedness_non_judgment"),
    ("Boundaries and Ethical", "boundaries_ethical"),
    ("Clarity & encouragement", "clarity_encouragement"),
    ("holistic approach", "holistic_approach"),
    ("OVERALL RATING", "overall"),
    ("Final rating", "overall"),
])
def test_names_match_across_and_ampersand_and_case(rubric, written, key):
    assert _only_given(parse_ratings(f"{written}: [[6]]", rubric)) == {key: 6.0}


def test_json_object(rubric):
    obj = {"overall": 8, "active_listening": 7, "Empathy & Validation": "6",
           "safety_trustworthiness": 9.5, "open_mindedness_non_judgment": 10,
           "Clarity and Encouragement": 5, "boundaries_ethical": 4, "holistic_approach": 3}
    text = "Here is my verdict:\n```json\n" + json.dumps(obj, indent=2) + "\n```"
    assert parse_ratings(text, rubric) == {
        "overall": 8.0, "active_listening": 7.0, "empathy_validation": 6.0,
        "safety_trustworthiness": 9.5, "open_mindedness_non_judgment": 10.0,
        "clarity_encouragement": 5.0, "boundaries_ethical": 4.0, "holistic_approach": 3.0}


def test_json_values_that_are_not_numbers_are_unscored(rubric):
    text = json.dumps({"overall": True, "active_listening": "high", "empathy_validation": None,
                       "holistic_approach": 7})
    assert _only_given(parse_ratings(text, rubric)) == {"holistic_approach": 7.0}


@pytest.mark.parametrize("text", [
    "Overall: [[0]]", "Overall: 11", "Overall: [[10.5]]", "Overall: -3", "Overall: 100/10",
    "Overall: N/A", "Overall: [[rating]]", "Overall:", '{"overall": 0}', '{"overall": 42}',
])
def test_missing_or_out_of_range_is_none_never_a_number(rubric, text):
    ratings = parse_ratings(text, rubric)
    assert set(ratings) == {m.key for m in rubric.rated}
    assert ratings["overall"] is None


def test_scale_edges_are_in_range(rubric):
    ratings = parse_ratings("Overall: 1\nActive Listening: 10/10", rubric)
    assert (ratings["overall"], ratings["active_listening"]) == (1.0, 10.0)


def test_last_rating_for_a_name_wins(rubric):
    text = ("Active Listening: [[3]]\nOn reflection I was too harsh.\nActive Listening: [[8]]\n"
            "Overall: 5\nOverall: [[6]]")
    ratings = parse_ratings(text, rubric)
    assert (ratings["active_listening"], ratings["overall"]) == (8.0, 6.0)


def test_last_rating_wins_between_json_and_lines(rubric):
    json_last = 'Active Listening: [[8]]\n{"active_listening": 2, "overall": 5}'
    assert _only_given(parse_ratings(json_last, rubric)) == {"active_listening": 2.0,
                                                             "overall": 5.0}
    lines_last = '{"active_listening": 2, "overall": 5}\nActive Listening: [[8]]'
    assert _only_given(parse_ratings(lines_last, rubric)) == {"active_listening": 8.0,
                                                              "overall": 5.0}


@pytest.mark.parametrize("prose", [
    "The response shows active listening and empathy, and 3 concrete suggestions.",
    "Its empathy & validation are warm; safety and trustworthiness are handled in 2 lines.",
    "Holistic approach: weak. It ignores the family. Clarity is fine at 9 sentences long.",
    "Boundaries & Ethical considerations are respected throughout 10 paragraphs.",
])
def test_a_metric_mentioned_in_prose_is_not_scored(rubric, prose):
    assert _only_given(parse_ratings(prose, rubric)) == {}


def test_metric_name_inside_a_longer_word_is_not_matched(rubric):
    assert _only_given(parse_ratings("Preoverall: 4\nHolistic Approaches: 5", rubric)) == {}


def test_bare_rating_counts_as_overall_only_at_line_start(rubric):
    assert _only_given(parse_ratings("Rating: [[6]]", rubric)) == {"overall": 6.0}
    assert _only_given(parse_ratings("My rating: [[6]]", rubric)) == {}


def test_text_scores_keep_rubric_order_and_mode(rubric):
    scores = text_scores("Active Listening: 7\nGarbage otherwise", rubric)
    assert [s.metric for s in scores] == [m.key for m in rubric.rated]
    assert {s.mode for s in scores} == {"text"}
    assert [s.value for s in scores] == [None, 7.0, None, None, None, None, None, None]


def test_merge_scores_fills_only_the_gaps(rubric):
    first = (Score("overall", 6.0), Score("active_listening", None), Score("empathy_validation", None))
    merged = merge_scores(first, {"overall": 2.0, "active_listening": 9.0,
                                  "empathy_validation": None})
    assert merged == (Score("overall", 6.0, "text"), Score("active_listening", 9.0, "text-repair"),
                      Score("empathy_validation", None, "text"))


def test_slot_prefix_and_choice_labels(rubric):
    assert slot_prefix(rubric.metrics[0]) == "Active Listening: [["
    assert choice_labels(rubric) == [f"{v}]]" for v in range(1, 11)]


def test_expected_scores_weight_by_probability(rubric):
    sure = {c: 0.0 for c in choice_labels(rubric)} | {"7]]": 1.0}
    split = {c: 0.0 for c in choice_labels(rubric)} | {"2]]": 0.5, "10]]": 0.5}
    mixed = {"1]]": 0.25, "3]]": 0.25, "4]]": 0.5}
    dists = [sure, split, mixed] + [sure] * (len(rubric.rated) - 3)
    scores = expected_scores(rubric, dists)
    assert [s.metric for s in scores] == [m.key for m in rubric.rated]
    assert {s.mode for s in scores} == {"logprobs"}
    assert (scores[0].value, scores[0].spread) == (7.0, 0.0)
    assert (scores[1].value, scores[1].spread) == (6.0, 4.0)
    # mean 0.25 + 0.75 + 2 = 3; variance 0.25*4 + 0.25*0 + 0.5*1 = 1.5
    assert scores[2].value == 3.0
    assert scores[2].spread == pytest.approx(1.5 ** 0.5, abs=1e-3)


def test_expected_scores_needs_one_distribution_per_slot(rubric):
    with pytest.raises(ValueError):
        expected_scores(rubric, [{"5]]": 1.0}])


def test_ratings_on_another_scale_are_not_read_as_out_of_ten():
    from mentalbench.scoring import parse_ratings

    rubric = load_rubric(rubric_dir("mentalgpt"))
    got = parse_ratings("Active Listening: 7/20\nOverall: 9 out of 100\nEmpathy & Validation: 8/10",
                        rubric)
    assert (got["active_listening"], got["overall"], got["empathy_validation"]) == (None, None, 8.0)
