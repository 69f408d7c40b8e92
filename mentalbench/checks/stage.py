"""The checks stage: run deterministic checks on every answer the store has no result of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..judging.judge import JudgeContext, JudgeTask
from ..models.progress import Reporter
from ..records.hashing import content_key
from ..store.database import CheckRecord, Store


def check_key(answer_key: str, check: Any) -> str:
    """A check result's identity: the answer and the check's name and version."""
    return content_key("check", answer_key, check.name, check.version)


def check_answers(checks: Sequence[Any], tasks: Sequence[JudgeTask], store: Store,
                  ctx: JudgeContext, reporter: Reporter | None = None) -> list[CheckRecord]:
    """Check each answer with each check (no model call); store and return the new results."""
    wanted = {check_key(t.answer.key, c): (c, t) for c in checks for t in tasks}
    done = store.check_keys(wanted)
    todo = [(key, check, task) for key, (check, task) in wanted.items() if key not in done]
    new = []
    with (reporter or Reporter()).stage("checks", len(todo)) as advance:
        for key, check, task in todo:
            a = task.answer
            result = check.run(task.question, a.text)
            new.append(CheckRecord(key, a.key, a.question_id, a.sample, a.model, a.answer_set,
                                   check.name, check.version, ctx.question_set,
                                   ctx.question_set_sha, result))
            advance(1)
    store.put_checks(new)
    return new
