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
    check_turn,
    copies,
    is_refusal,
    word_count,
)
from mentalbench_train.data.parsing import (
    clean_item,
    parse_batch,
    parse_round,
    parse_single,
    parse_turn,
)

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


def test_heading_lines_without_punctuation_start_items():
    text = ("**Message 1**\nI shake before meetings.\n\n### Message 2\nMy wife and I no longer "
            "talk.\n\nMessage 3:\nWork never stops.\n\nI counted 3\nthings today.")
    batch = parse_batch(text, TOPICS)
    assert batch.items == {1: "I shake before meetings.", 2: "My wife and I no longer talk.",
                           3: "Work never stops.\n\nI counted 3\nthings today."}


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


@pytest.mark.parametrize("reply", [
    "I feel alone since the move.\n1. I tried clubs.\n2. I call home.",
    "Sure! Here is the message:\n\nI feel alone since the move.\n1. I tried clubs.\n2. I call "
    "home.",
    "Here's a message from a 40-year-old woman about Loneliness:\n\"I feel alone since the "
    "move.\n1. I tried clubs.\n2. I call home.\"",
    "Message:\n1. I feel alone since the move.\n1. I tried clubs.\n2. I call home.",
    "<<Alone>>\nI feel alone since the move.\n1. I tried clubs.\n2. I call home.",
    "**Loneliness**\n\nI feel alone since the move.\n1. I tried clubs.\n2. I call home.",
])
def test_a_single_message_is_the_whole_reply(reply):
    batch = parse_single(reply, "Loneliness")
    assert batch.items == {1: "I feel alone since the move.\n1. I tried clubs.\n2. I call home."}
    assert batch.how == "single" and batch.missing == ()


def test_a_single_reply_keeps_what_is_not_a_preamble():
    # Only a first line that introduces the reply goes; one that says something stays.
    text = "Here is what happened: my son left.\nI feel lost."
    assert parse_single(text, "Parenting").items == {1: text}
    assert parse_single("2. I feel lost.", "Grief").items == {1: "2. I feel lost."}
    empty = parse_single("  \n", "Grief")
    assert empty.items == {} and empty.missing == (1,) and empty.how == "none"


def test_clean_item_drops_title_lines_and_quotes():
    assert clean_item("Topic: Grief\n\"I lost my dad.\"") == "I lost my dad."
    assert clean_item("**A hard year**\nI lost my dad.") == "I lost my dad."
    assert clean_item("Grief and Loss\nI lost my dad.", "Grief and Loss") == "I lost my dad."


@pytest.mark.parametrize("text", [
    "Patient: I am tired.\nCounselor: Rest is allowed.",
    "**Patient:** I am tired.\n\n**Counselor:** Rest is allowed.",
    "Caregiver's turn: I am tired.\nTherapist: Rest is allowed.",
    "Here it is.\nPATIENT: I am tired.\nCounsellor reply: Rest is allowed.\nPatient: again",
    "**Patient**: I am tired.\n**Counselor**: Rest is allowed.",
    "### Client\nI am tired.\n\n### Therapist\nRest is allowed.",
    "Family caregiver: I am tired.\nThe counselor's response: Rest is allowed.",
])
def test_round_labels(text):
    assert parse_round(text) == ("I am tired.", "Rest is allowed.")


@pytest.mark.parametrize("reply, side, turn", [
    ("I am tired.", "patient", "I am tired."),
    ("Caregiver: I am tired.", "patient", "I am tired."),
    ("**Patient:** I am tired.\n\n**Counselor:** Rest is allowed.", "patient", "I am tired."),
    ("I am tired.\nTherapist: Rest is allowed.", "patient", "I am tired."),
    ("I am tired.\nPatient: more of me.", "patient", "I am tired.\nPatient: more of me."),
    ("Therapist: Rest is allowed.", "counselor", "Rest is allowed."),
    ("Therapist: Rest is allowed.", "patient", None),  # the other voice
    ("Patient: I am tired.\nCounselor: Rest.", "counselor", None),
])
def test_one_turn_replies(reply, side, turn):
    assert parse_turn(reply, side) == turn


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
    side = " ".join(["I"] + ["word"] * 44)
    assert check_round(side, side + " more", 40) is None
    assert check_round(side, "too short", 40) == TOO_SHORT
    assert check_round("I'm sorry, but I cannot help with this request.", side, 5) == REFUSAL
    assert word_count("It's a well-known fact, isn't it?") == 6


def test_turn_filters():
    turn = "I look after my father every night and " + "word " * 40
    assert check_turn(turn, "patient", 40) is None
    assert check_turn("He looks after his father. " + "word " * 45, "patient", 40) == OFF_FORMAT
    assert check_turn("He looks after his father. " + "word " * 45, "counselor", 40) is None
    assert check_turn("I look after him.", "patient", 40) == TOO_SHORT
    assert check_turn("I'm sorry, but I can't help with that request.", "patient", 0) == REFUSAL
    example = "Since my wife moved into a care home, our house feels empty and far too quiet."
    assert check_turn(turn + example, "patient", 40, example) == OFF_FORMAT
    assert check_turn(turn, "patient", 40, example) is None


def test_copies_finds_a_run_of_words_in_any_case():
    source = "Since my wife moved into a care home, our house feels empty and far too quiet."
    assert copies("Well. since MY wife moved into a care home our house is new.", source)
    assert not copies("Since my wife moved into a home, our house feels empty.", source)
    assert not copies("short", source) and not copies(source, "")
