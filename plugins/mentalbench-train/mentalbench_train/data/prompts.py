"""The prompts of both data pipelines, in mentalbench's own words, and their hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

Messages = tuple[dict[str, str], ...]

SYNTH_MESSAGES_SYSTEM = (
    "You write realistic, fictional material for training counseling assistants. The people "
    "you write about are invented; any resemblance to real people is accidental."
)

SYNTH_MESSAGES_PROMPT = """\
Write {n} messages that different people might send to a counselor, or post on a mental-health \
support forum, when they are looking for help. Each message is written in the first person by \
someone describing their own life, and each is about the topic listed for it below.

In every message the writer should:
- say what they hope to get from counseling or from writing this message;
- name the emotions they feel and what sets those emotions off;
- describe concrete situations in which the problem shows up;
- describe their symptoms: how often they happen, how strong they are and how long they have lasted;
- mention events in their life, their family and any past trauma that bear on the problem;
- say what they have already tried in order to cope, and how well it worked;
- ask at least one question about therapy or about what they should do next.

Make the writers differ in age, gender, culture, family situation and way of writing. Every \
message must be at least 300 words long. Write no replies, titles or commentary. This is set \
number {number} of many: make its writers and their situations unlike those of other sets.

Topics:
{topics}

Answer with the messages only, numbered to match the topics:
1. <the message about topic 1>
2. <the message about topic 2>
and so on."""

# One message a request: the whole reply is the message. Small local models follow this far
# better than a numbered batch; `{writer}` is drawn per message (see topics.draw_writer).
SYNTH_MESSAGE_SYSTEM = (
    "You write realistic, fictional messages from people asking a counselor for help. The "
    "people are invented; any resemblance to real people is accidental."
)

SYNTH_MESSAGE_PROMPT = """\
Write a message from a {writer} to a counselor about {topic}. Written in the first person \
about {their} own life, the message tells {their} hopes for counseling, {their} feelings and \
what sets them off, a concrete situation, how often it happens, how strongly and for how long, \
{their} family and past, {their} attempts to cope so far, and asks a question about therapy. \
Write at least 300 words. Reply with {their} message only."""

SYNTH_ANSWER_SYSTEM = """\
You are an experienced, warm counselor replying to someone who has written to you for \
mental-health support. Read their message closely and answer them directly:
- show that you have understood their situation and reflect their feelings back to them;
- acknowledge and validate what they feel, without judging them;
- if anything suggests danger to them or to others, address it first and point them to \
immediate help;
- answer each of their questions clearly, with practical steps they can take, and encourage them;
- stay within what a counselor can responsibly say in a message: do not diagnose, and suggest \
professional care where it would help;
- consider their whole life: body, relationships, work and community.
Write at least 200 words. Reply with the answer only."""

PARAPHRASE_SYSTEM = (
    "You turn pages of private counseling interview transcripts into training examples. "
    "Keep the meaning; leave out every name, place and other detail that could identify anyone."
)

PARAPHRASE_PROMPT = """\
Below is one page of a transcript of a conversation between a therapist and a family caregiver.

<page>
{page}
</page>

From this page write one exchange of exactly two turns:
Patient: the caregiver speaking in the first person about the central issue of this page: what \
is happening, how they feel and what they need help with (more than 50 words).
Counselor: the therapist's reply, giving the guidance and support offered on this page in a \
caring, ethical and professional way (more than 50 words).

Use no real names, places or other identifying details. Answer in exactly this form and add \
nothing else:
Patient: ...
Counselor: ..."""


# Paraphrasing one turn a request: the caregiver's turn from the page, then the counselor's
# turn from the page and that caregiver turn. Each request carries one worked example (a
# fictional page), which small local models need to write in the right voice.
PARAPHRASE_TURN_SYSTEM = (
    "You rewrite pages of private counseling interview transcripts as training examples. Keep "
    "the meaning; leave out every name, place and other detail that could identify anyone."
)

PARAPHRASE_PATIENT_PROMPT = """\
Transcript page (a therapist talking with a family caregiver):
{page}

Write what the caregiver on this page would tell a counselor, in the first person: the central \
issue of the page, what is happening, how they feel and what they need help with. Write more \
than 50 words. Reply with the caregiver's words only."""

PARAPHRASE_COUNSELOR_PROMPT = """\
Transcript page (a therapist talking with a family caregiver):
{page}

The caregiver says:
{patient}

Write the counselor's reply to the caregiver, giving the guidance and support offered on this \
page in a caring, ethical and professional way. Write more than 50 words. Reply with the \
counselor's words only."""

EXAMPLE_PAGE = """\
Therapist: What has changed since your wife moved into the care home?
Caregiver: The house is too quiet. I visit every morning, but some days she thinks I am her \
brother. I come home and sit in the car for an hour because I do not want to go inside.
Therapist: Grief can start before a death. Could you plan one thing for the afternoons, and \
let a friend know how hard the evenings are?"""

EXAMPLE_PATIENT = (
    "Since my wife moved into a care home, our house feels empty and far too quiet. I visit "
    "her every morning, but on some days she does not know who I am and calls me by her "
    "brother's name, and that hurts more than I can say. When I get home I often sit in the "
    "car for an hour because I cannot face going inside alone. I feel lost and lonely, and I "
    "need help learning how to live in this new situation."
)

EXAMPLE_COUNSELOR = (
    "What you describe sounds like grief, and grief can begin long before a death: you are "
    "losing parts of your wife while she is still here. It makes sense that the empty house "
    "is hard to walk into, and visiting her every morning shows how much you care. It may "
    "help to plan one thing for your afternoons, however small, and to tell a friend how hard "
    "the evenings are, so that you are not carrying this alone."
)


def numbered(items: Sequence[str]) -> str:
    """Items as a numbered list, one a line."""
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def synth_messages_request(topics: Sequence[str], number: int) -> Messages:
    """Stage 1: ask for one patient message per topic, numbered; `number` tells sets apart."""
    return ({"role": "system", "content": SYNTH_MESSAGES_SYSTEM},
            {"role": "user", "content": SYNTH_MESSAGES_PROMPT.format(
                n=len(topics), topics=numbered(topics), number=number)})


def synth_message_request(topic: str, writer: str, their: str) -> Messages:
    """Stage 1 with a batch of one: ask for one patient message, the whole reply."""
    return ({"role": "system", "content": SYNTH_MESSAGE_SYSTEM},
            {"role": "user", "content": SYNTH_MESSAGE_PROMPT.format(
                writer=writer, topic=topic, their=their)})


def synth_answer_request(message: str) -> Messages:
    """Stage 2: ask for the counselor's answer to one patient message."""
    return ({"role": "system", "content": SYNTH_ANSWER_SYSTEM},
            {"role": "user", "content": message})


def paraphrase_request(page: str) -> Messages:
    """Ask for one Patient/Counselor round summarising one transcript page."""
    return ({"role": "system", "content": PARAPHRASE_SYSTEM},
            {"role": "user", "content": PARAPHRASE_PROMPT.format(page=page)})


def patient_turn_request(page: str) -> Messages:
    """One turn a request, first: the caregiver's turn from one transcript page."""
    return ({"role": "system", "content": PARAPHRASE_TURN_SYSTEM},
            {"role": "user", "content": PARAPHRASE_PATIENT_PROMPT.format(page=EXAMPLE_PAGE)},
            {"role": "assistant", "content": EXAMPLE_PATIENT},
            {"role": "user", "content": PARAPHRASE_PATIENT_PROMPT.format(page=page)})


def counselor_turn_request(page: str, patient: str) -> Messages:
    """One turn a request, second: the counselor's reply to the caregiver's turn."""
    return ({"role": "system", "content": PARAPHRASE_TURN_SYSTEM},
            {"role": "user", "content": PARAPHRASE_COUNSELOR_PROMPT.format(
                page=EXAMPLE_PAGE, patient=EXAMPLE_PATIENT)},
            {"role": "assistant", "content": EXAMPLE_COUNSELOR},
            {"role": "user", "content": PARAPHRASE_COUNSELOR_PROMPT.format(
                page=page, patient=patient)})


def text_hash(*texts: str) -> str:
    """A short, stable hash of prompt templates: recorded in every row they produced."""
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]


SYNTH_MESSAGES_HASH = text_hash(SYNTH_MESSAGES_SYSTEM, SYNTH_MESSAGES_PROMPT)
SYNTH_MESSAGE_HASH = text_hash(SYNTH_MESSAGE_SYSTEM, SYNTH_MESSAGE_PROMPT)
SYNTH_ANSWER_HASH = text_hash(SYNTH_ANSWER_SYSTEM)
PARAPHRASE_HASH = text_hash(PARAPHRASE_SYSTEM, PARAPHRASE_PROMPT)
PARAPHRASE_TURNS_HASH = text_hash(PARAPHRASE_TURN_SYSTEM, PARAPHRASE_PATIENT_PROMPT,
                                  PARAPHRASE_COUNSELOR_PROMPT, EXAMPLE_PAGE, EXAMPLE_PATIENT,
                                  EXAMPLE_COUNSELOR)
