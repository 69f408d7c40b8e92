"""FastChat pairwise judge prompts (e.g. pair-v2: {question}, {answer_a}, {answer_b}, a verdict
"[[A]]", "[[B]]" or "[[C]]" for a tie) as pairwise rubric folders that render them verbatim."""

from __future__ import annotations

import string
from pathlib import Path

import tomli_w

from ..errors import InputError
from ..records.base import Metric
from .pairwise_rubric import load_pairwise_rubric
from .rubric_import import ImportResult, jinja_literal, template_to_jinja, write_rubric_folder

PLACEHOLDERS = ("question", "answer_a", "answer_b")
SLOT = "[[{verdict}]]"


def _parts(template: str, where: str) -> list[tuple[str, str | None]]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(f"{where}: field 'prompt_template': not a str.format template "
                         f"({exc})") from None
    parts = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            raise InputError(f"{where}: field 'prompt_template': unsupported placeholder "
                             f"{{{field}}} (a pairwise prompt may use only {{question}}, "
                             "{answer_a} and {answer_b})")
        parts.append((literal, field))
    missing = [p for p in PLACEHOLDERS if p not in {f for _, f in parts}]
    if missing:
        raise InputError(f"{where}: field 'prompt_template': missing placeholder "
                         f"{', '.join('{' + m + '}' for m in missing)}")
    return parts


def import_pairwise(prompt, file: Path, out: Path, name: str | None, force: bool):
    """Write a pairwise rubric folder for one FastChat pairwise prompt; returns ImportResult."""
    where = f"{file}:{prompt.line}"
    if "[[A]]" not in prompt.output_format:
        raise InputError(f"{where}: field 'output_format': {prompt.output_format!r} is not a "
                         "pairwise verdict format (expected \"[[A]]\"; score pairs such as "
                         "\"[[rating_a,rating_b]]\" are not imported)")
    parts = _parts(prompt.prompt_template, where)
    result = ImportResult(out, name or prompt.name, (), Metric("overall", ""), SLOT, (0, 0))
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InputError(f"{out}: already exists and is not empty (use --force to replace it)")
    header = (f"# Imported by `mentalbench rubric import` from {file.name}, pairwise prompt "
              f"{prompt.name!r}.\n# The judge writes one verdict, [[A]], [[B]] or [[C]] (a tie)."
              "\n# The text is the file's, not mentalbench's: mind its licence before sharing "
              "it.\n")
    toml = header + tomli_w.dumps({
        "kind": "pairwise", "name": result.name, "version": "1",
        "description": prompt.description or f"imported from {file.name}",
        "verdicts": {"a": "A", "b": "B", "tie": "C"},
        "overall": {"key": "overall", "name": ""}})
    files = {"rubric.toml": toml, "system.j2": jinja_literal(prompt.system_prompt, last=True),
             "prompt.j2": template_to_jinja(parts)}
    write_rubric_folder(out, files, lambda folder: _verify(folder, prompt, where))
    return result


def _verify(folder: Path, prompt, where: str) -> None:
    texts = {"question": "<question text>", "answer_a": "<first answer>",
             "answer_b": "<second answer>"}
    messages = load_pairwise_rubric(folder).messages(*texts.values())
    if messages[1]["content"] != prompt.prompt_template.format(**texts).strip() or \
            messages[0]["content"] != prompt.system_prompt.strip():
        raise InputError(f"{where}: the imported rubric does not render this prompt exactly "
                         "(please report it with the prompt)")
