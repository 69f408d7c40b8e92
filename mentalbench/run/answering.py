"""The answering stage: ask the model each question it has not answered yet, storing each answer
the moment it arrives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models.base import Model, ask_and_store
from ..models.progress import Reporter
from ..records.base import Answer, ChatRequest, Completion, Question
from ..records.hashing import content_key
from ..store.database import Store


def answer_key(model: Model, question: Question) -> str:
    """The content hash of an answer: the question plus everything that shapes the model's reply."""
    return content_key("answer", question.id, question.text, model.identity())


def answer_set_of(model: Model) -> str:
    """8 hex digits naming the model configuration that produced a set of answers."""
    return content_key("answer-set", model.identity())[:8]


def messages_for(model: Model, question: Question) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": model.system_prompt()},
            {"role": "user", "content": question.text})


@dataclass(frozen=True)
class GenerationOutcome:
    """Answers by question id (stored before, or new), errors by question id, and counts."""

    answers: dict[str, Answer]
    errors: dict[str, str]
    keys: dict[str, str]  # question id -> answer key, answered or not
    new: int


def run_generation(model: Model, label: str, questions: Sequence[Question], store: Store,
                   reporter: Reporter) -> GenerationOutcome:
    """Answer what the store lacks; each answer is committed as it finishes."""
    answer_set = answer_set_of(model)
    keys = {q.id: answer_key(model, q) for q in questions}
    stored = store.answers(keys.values())
    answers = {q.id: stored[keys[q.id]] for q in questions if keys[q.id] in stored}
    store.adopt_answers([Answer(a.key, a.question_id, label, "", answer_set=answer_set)
                         for a in answers.values()])
    # Similar lengths together: less padding for local engines, no harm for APIs.
    pending = sorted((q for q in questions if q.id not in answers), key=lambda q: len(q.text))
    errors: dict[str, str] = {}
    if not pending:
        return GenerationOutcome(answers, errors, keys, 0)
    requests = [ChatRequest(messages_for(model, q), keys[q.id]) for q in pending]
    provenance: dict = {}

    by_key = {keys[q.id]: q for q in pending}

    def fail(request: ChatRequest, c: Completion) -> None:
        q = by_key[request.key]
        errors[q.id] = c.error or "unknown error"
        store.record_failure(keys[q.id], errors[q.id],
                             {"question_id": q.id, "model": label, "answer_set": answer_set})

    def keep(request: ChatRequest, c: Completion) -> None:
        q = by_key[request.key]
        if not provenance:
            provenance.update(model.provenance())
        meta = {**provenance, "finish_reason": c.finish_reason,
                **{k: v for k, v in (("engine", c.engine), ("served_model", c.served_model)) if v}}
        answer = Answer(keys[q.id], q.id, label, c.text, c.usage, meta, 0, answer_set)
        store.put_answers([answer])
        answers[q.id] = answer
        errors.pop(q.id, None)

    with reporter.stage(f"answering ({label})", len(pending)) as advance:
        ask_and_store(model, requests, keep, fail, progress=advance)
    return GenerationOutcome(answers, errors, keys, len(pending) - len(errors))
