"""The sampled items for other rating tools: JSONL, or a Label Studio import file (.json) with
a labeling config beside it; their results come back through `judge --import-judgments`."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..store.files import write_atomic, write_jsonl
from .session import Session


def _rows(session: Session) -> list[dict]:
    rows = []
    for item in session.order:
        base = {"item": item.id, "question_id": item.question.id, "topic": item.question.topic,
                "question": item.question.text}
        if session.mode == "single":
            s = item.sources[0]
            rows.append({**base, "model": s.answer.model, "sample": s.answer.sample,
                         "answer_key": s.answer.key, "answer": s.answer.text})
        else:
            a, b = item.sources
            rows.append({**base, "model_a": a.answer.model, "model_b": b.answer.model,
                         "answer_a": a.answer.text, "answer_b": b.answer.text})
    return rows


def label_config(session: Session) -> str:
    """A Label Studio labeling config: the question and answer shown, a rating per metric."""
    lines = ["<View>", '  <Header value="Message"/>', '  <Text name="question" value="$question"/>']
    if session.mode == "single":
        lines += ['  <Header value="Answer"/>', '  <Text name="answer" value="$answer"/>']
        top = session.rubric.scale.max
        for m in session.rubric.rated:
            lines += [f"  <Header value={quoteattr(m.name)}/>",
                      f'  <Rating name={quoteattr(m.key)} toName="answer" maxRating="{top}"/>']
    else:
        lines += ['  <Header value="Answer A"/>', '  <Text name="answer_a" value="$answer_a"/>',
                  '  <Header value="Answer B"/>', '  <Text name="answer_b" value="$answer_b"/>',
                  f'  <Choices name={quoteattr(session.rubric.overall.key)} toName="answer_a">',
                  '    <Choice value="A"/>', '    <Choice value="B"/>', '    <Choice value="tie"/>',
                  "  </Choices>"]
    return "\n".join([*lines, "  <TextArea name=\"comment\" toName=\"question\"/>", "</View>", ""])


def write_export(path: Path, session: Session) -> None:
    """JSONL rows, or (for .json) Label Studio tasks plus PATH.label_config.xml."""
    rows = _rows(session)
    if path.suffix.lower() == ".json":
        write_atomic(path, json.dumps([{"data": r} for r in rows], ensure_ascii=False,
                                      indent=1) + "\n")
        write_atomic(path.with_name(path.name + ".label_config.xml"), label_config(session))
    else:
        write_jsonl(path, rows)
