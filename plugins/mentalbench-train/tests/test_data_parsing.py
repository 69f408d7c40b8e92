"""Reading model output: numbered batches, Patient/Counselor rounds, and the drop filters."""

from __future__ import annotations

import pytest
from mentalbench_train.data.filters import (
    OFF_FORMAT,
    REFUSAL,
    TOO_SHORT,
    check_answer,
    check_message,
    check_round,
    is_refusal,
    word_count,
)
from mentalbench_train.data.parsing import clean_item, parse_batch, parse_round

TOPICS = ["Anxiety", "Marriage", "Stress"]


def test_numbered_batch_in_several_styles():
    text = ("Here are the messages you asked for:\n\n"
            "1. **Topic: Anxiety**\nI shake before meetings.\n\n"
            "2) \"My wife and I no longer talk.\"\n\n"
            "**3.** Work never stops for me.")
    batch = parse_batch(text, TOPICS)
    assert batch.items == {1: "I shake before meetings.", 2: "My wife and I no longer talk.",
                           3: "Work never stops for me."}
    assert batch.missing == () and batch.how == "numbered"


def test_a_list_inside_a_message_does_not_split_it():
    text = ("1. I have tried everything:\n1. yoga\n2. running\n3. pills\nNothing works.\n\n"
            "2. My husband left.\n\n3. I cannot rest.")
    batch = parse_batch(text, TOPICS)
    assert batch.items[1].startswith("I have tried everything:\n1. yoga")
    assert batch.items[1].endswith("Nothing works.")
    assert batch.items[2] == "My husband left." and batch.items[3] == "I cannot rest."


def test_missing_items_are_counted():
    batch = parse_batch("Message 1: first one here\n\nMessage 3: third one here", TOPICS)
    assert batch.items == {1: "first one here", 3: "third one here"}
    assert batch.missing == (2,)


def test_headings_by_topic_when_unnumbered():
    batch = parse_batch("Anxiety:\nI worry all day.\n\n### Marriage\nWe fight.\n\nStress\n"
                        "Too much work.", TOPICS)
    assert batch.how == "headings"
    assert batch.items == {1: "I worry all day.", 2: "We fight.", 3: "Too much work."}


def test_unnumbered_reply_is_one_message_only_when_one_was_asked():
    assert parse_batch("I feel alone.", ["Depression"]).items == {1: "I feel alone."}
    garbage = parse_batch("Life is a journey.", TOPICS)
    assert garbage.items == {} and garbage.missing == (1, 2, 3) and garbage.how == "none"


def test_clean_item_drops_title_lines_and_quotes():
    assert clean_item("Topic: Grief\n\"I lost my dad.\"") == "I lost my dad."
    assert clean_item("**A hard year**\nI lost my dad.") == "I lost my dad."
    assert clean_item("Grief and Loss\nI lost my dad.", "Grief and Loss") == "I lost my dad."


@pytest.mark.parametrize("text", [
    "Patient: I am tired.\nCounselor: Rest is allowed.",
    "**Patient:** I am tired.\n\n**Counselor:** Rest is allowed.",
    "Caregiver's turn: I am tired.\nTherapist: Rest is allowed.",
    "Here it is.\nPATIENT: I am tired.\nCounsellor reply: Rest is allowed.\nPatient: again",
])
def test_round_labels(text):
    assert parse_round(text) == ("I am tired.", "Rest is allowed.")


def test_round_without_both_labels_is_none():
    assert parse_round("Patient: only one side here") is None
    assert parse_round("A summary of the page.") is None


def test_refusals_are_told_from_patients_who_cannot_sleep():
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("I cannot fulfill this request.")
    assert is_refusal("Here goes. As an AI language model, I do not have feelings.")
    assert not is_refusal("I can't sleep since my father died.")
    assert not is_refusal("I can't help but feel that I failed her.")
    assert not is_refusal("I cannot diagnose you from one message, but here is what may help.")


def test_message_filters():
    long = "I feel " + "very " * 120 + "tired."
    assert check_message(long, 100) is None
    assert check_message("I feel tired.", 100) == TOO_SHORT
    assert check_message("I'm sorry, but I can't write that. " + long, 10) == REFUSAL
    assert check_message("He feels " + "very " * 120 + "tired.", 100) == OFF_FORMAT
    assert check_message(long + "\nCounselor: that is hard.", 100) == OFF_FORMAT
    assert check_message("<message about topic 1> I " + "x " * 100, 10) == OFF_FORMAT


def test_answer_and_round_filters():
    message = "I feel " + " ".join(f"w{i}" for i in range(60)) + "."
    good = "That sounds hard. " + "step " * 120
    assert check_answer(good, message, 100) is None
    assert check_answer("See a therapist.", message, 100) == TOO_SHORT
    assert check_answer(good + message, message, 10) == OFF_FORMAT  # echoes the message
    side = " ".join(["word"] * 45)
    assert check_round(side, side + " more", 40) is None
    assert check_round(side, "too short", 40) == TOO_SHORT
    assert check_round("I'm sorry, but I cannot help with this request.", side, 5) == REFUSAL
    assert word_count("It's a well-known fact, isn't it?") == 6
