"""The answering stage: ask the model each question it has not answered yet, store as it goes."""

from __future__ import annotations

from collections.abc import Sequence

from .hashing import content_key
from .models import Model
from .progress import Reporter
from .records import Answer, ChatRequest, Question
from .store import Store


def answer_key(model: Model, question: Question) -> str:
    """The content hash of an answer: the question plus everything that shapes the model's reply."""
    return content_key("answer", question.id, question.text, model.identity())


def messages_for(model: Model, question: Question) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": model.system_prompt()},
            {"role": "user", "content": question.text})


def run_generation(model: Model, label: str, questions: Sequence[Question], store: Store,
                   reporter: Reporter) -> tuple[dict[str, Answer], dict[str, str], int]:
    """Answers for every question (stored or new) by question id, errors by id, count of new."""
    keys = {q.id: answer_key(model, q) for q in questions}
    stored = store.answers(keys.values())
    answers = {q.id: stored[keys[q.id]] for q in questions if keys[q.id] in stored}
    # Similar lengths together: less padding for local engines, no harm for APIs.
    pending = sorted((q for q in questions if q.id not in answers), key=lambda q: len(q.text))
    errors: dict[str, str] = {}
    if not pending:
        return answers, errors, 0
    chunk = max(1, model.chunk_size)
    generated = 0
    with reporter.stage(f"answering ({label})", len(pending)) as advance:
        provenance = None
        for start in range(0, len(pending), chunk):
            part = pending[start:start + chunk]
            requests = [ChatRequest(messages_for(model, q), keys[q.id]) for q in part]
            completions = model.generate(requests, progress=advance)
            provenance = provenance or model.provenance()
            new = []
            for q, c in zip(part, completions, strict=True):
                if c.ok:
                    meta = {**provenance, "finish_reason": c.finish_reason, **c.meta}
                    new.append(Answer(keys[q.id], q.id, label, c.text, c.usage, meta))
                else:
                    errors[q.id] = c.error or "unknown error"
                    store.record_failure(keys[q.id], "answer", errors[q.id])
            store.put_answers(new)  # each chunk is durable before the next starts
            answers.update({a.question_id: a for a in new})
            generated += len(new)
    return answers, errors, generated
