"""FastChat judge prompts (judge_prompts.jsonl) as rubric folders that render them verbatim."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import string
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from ..errors import InputError
from .output_paths import refuse_run_folder
from .rubric import Metric, load_rubric
from .textfiles import json_objects

#: The placeholders a single-answer FastChat template may use; mentalbench fills both.
PLACEHOLDERS = ("question", "answer")
#: The slot format when a prompt's output_format says nothing usable about metric lines.
DEFAULT_SLOT = "{name}: [[{rating}]]"
#: The overall slot's name when the prompt shows no "Name: [[5]]" example of its own.
DEFAULT_OVERALL = "Rating"

_ITEM = re.compile(r"^[ \t]*(\d{1,2})[.)][ \t]+(?P<name>[^:\n]{1,80}?)[ \t]*:[ \t]*(?P<rest>.*)$")
_EXAMPLE = re.compile(r"((?:[A-Z][\w\-]*)(?:[ \t]+(?:&|and|[A-Z][\w\-]*)){0,4})[ \t]*:[ \t]*"
                      r"\[\[[ \t]*(?:\d+|rating)[ \t]*\]\]")
_SCALE = re.compile(r"\bscale\s+(?:of|from)\s+(\d+)\s+to\s+(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class FastChatPrompt:
    """One line of a judge_prompts.jsonl file."""

    name: str
    type: str
    system_prompt: str
    prompt_template: str
    description: str
    category: str
    output_format: str
    line: int


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote, for the command's summary."""

    path: Path
    name: str
    metrics: tuple[Metric, ...]
    overall: Metric | None
    slot: str
    scale: tuple[int, int]
    warnings: tuple[str, ...] = ()


# -- reading the file ----------------------------------------------------------------------

def read_prompts(path: str | Path) -> list[FastChatPrompt]:
    """Every prompt of a judge_prompts.jsonl file; errors name the file, line and field."""
    path = Path(path)
    prompts = []
    for number, raw in json_objects(path, "a JSON object per line"):
        if not isinstance(raw.get("name"), str) or not raw["name"]:
            raise InputError(f"{path}:{number}: field 'name': expected a string")
        fields = {}
        for field in ("type", "system_prompt", "prompt_template", "description", "category",
                      "output_format"):
            value = raw.get(field, "")
            if not isinstance(value, str):
                raise InputError(f"{path}:{number}: field {field!r}: expected a string")
            fields[field] = value
        prompts.append(FastChatPrompt(raw["name"], line=number, **fields))
    if not prompts:
        raise InputError(f"{path}: no prompts (expected one JSON object a line)")
    return prompts


def find_prompt(prompts: Sequence[FastChatPrompt], name: str, path: str | Path) -> FastChatPrompt:
    for prompt in prompts:
        if prompt.name == name:
            return prompt
    raise InputError(f"{path}: no prompt named {name!r}; found: "
                     f"{', '.join(p.name for p in prompts)}")


# -- the template ---------------------------------------------------------------------------

def template_parts(template: str, where: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder) pairs, as str.format reads them: '{{' and '}}' already single."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(f"{where}: field 'prompt_template': not a str.format template "
                         f"({exc})") from None
    parts: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            shown = "{" + field + (f"!{conversion}" if conversion else "") + \
                (f":{spec}" if spec else "") + "}"
            raise InputError(f"{where}: field 'prompt_template': unsupported placeholder "
                             f"{shown} (mentalbench fills only {{question}} and {{answer}}; "
                             "multi-turn and reference-answer prompts are not imported)")
        parts.append((literal, field))
    found = {field for _, field in parts if field}
    missing = [p for p in PLACEHOLDERS if p not in found]
    if missing:
        raise InputError(f"{where}: field 'prompt_template': missing placeholder "
                         f"{', '.join('{' + m + '}' for m in missing)} (expected both "
                         "{question} and {answer})")
    return parts


def jinja_literal(text: str, last: bool = False) -> str:
    """Text that Jinja2 renders back unchanged: only the '{' that could open a tag is escaped.

    `last`: the text ends the template, whose final newline the loader's environment drops.
    """
    out = []
    for i, ch in enumerate(text):
        following = text[i + 1:i + 2]
        if ch == "{" and following in ("", "{", "%", "#"):
            # "" too: the next piece may be a {{ placeholder }} that this brace would join.
            out.append('{{ "{" }}')
        elif ch == "\r":  # Jinja2 turns \r\n and \r in template text into \n
            out.append('{{ "\\r" }}')
        else:
            out.append(ch)
    if last and text.endswith("\n"):
        out[-1] = '{{ "\\n" }}'
    return "".join(out)


def template_to_jinja(parts: Sequence[tuple[str, str | None]]) -> str:
    """prompt.j2 source whose rendering equals template.format(question=..., answer=...)."""
    pieces = []
    for i, (literal, field) in enumerate(parts):
        pieces.append(jinja_literal(literal, last=i == len(parts) - 1 and not field))
        if field:
            pieces.append("{{ " + field + " }}")
    return "".join(pieces)


# -- metrics, slots and scale ----------------------------------------------------------------

def slug(name: str) -> str:
    """A metric key from its name: "Empathy & Validation" -> "empathy_validation"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def _clean_name(raw: str) -> str:
    return raw.strip().strip("*_`'\"").strip()


def listed_metrics(text: str) -> list[tuple[str, str]]:
    """The prompt's numbered "N. Name: definition" list as (name, definition) pairs.

    The longest run numbered 1, 2, 3... wins (the first, on a tie), so a short numbered list
    of instructions elsewhere in the prompt is not taken for the metrics. An indented line
    under an item continues its definition.
    """
    runs: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines():
        match = _ITEM.match(line)
        name = _clean_name(match.group("name")) if match else ""
        if match and re.search(r"[A-Za-z]", name) and len(name.split()) <= 8:
            number = int(match.group(1))
            if number == len(current) + 1:
                current.append([name, match.group("rest").strip()])
                continue
            if current:
                runs.append(current)
            current = [[name, match.group("rest").strip()]] if number == 1 else []
        elif current and line[:1] in (" ", "\t") and line.strip():
            current[-1][1] = (current[-1][1] + " " + line.strip()).strip()
    if current:
        runs.append(current)
    best = max(runs, key=len, default=[])
    return [(name, definition) for name, definition in best]


def metrics_from_list(text: str, where: str) -> tuple[Metric, ...]:
    found = listed_metrics(text)
    if not found:
        raise InputError(f"{where}: field 'prompt_template': no numbered \"1. Name: "
                         "definition\" list of metrics found; give them with --metric KEY=Name")
    metrics = []
    for name, definition in found:
        key = slug(name)
        if not key:
            raise InputError(f"{where}: metric {name!r}: no key can be made from its name; "
                             "give the metrics with --metric KEY=Name")
        metrics.append(Metric(key, name, definition))
    return _unique(metrics, where)


def metrics_from_options(pairs: Sequence[str]) -> tuple[Metric, ...]:
    """--metric KEY=Name values, in order."""
    metrics = []
    for pair in pairs:
        key, sep, name = pair.partition("=")
        key, name = key.strip(), name.strip()
        if not sep or not name or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise InputError(f"--metric {pair!r}: expected KEY=Name with a key of lowercase "
                             "letters, digits and '_' (e.g. empathy_validation=Empathy & "
                             "Validation)")
        metrics.append(Metric(key, name))
    return _unique(metrics, "--metric")


def _unique(metrics: Sequence[Metric], where: str) -> tuple[Metric, ...]:
    seen: dict[str, str] = {}
    names: set[str] = set()
    for m in metrics:
        if m.key in seen:
            raise InputError(f"{where}: metrics {seen[m.key]!r} and {m.name!r} share the key "
                             f"{m.key!r}; give distinct keys with --metric KEY=Name")
        if m.name.lower() in names:  # a judge's "Name: [[n]]" line could not tell them apart
            raise InputError(f"{where}: two metrics are named {m.name!r}")
        seen[m.key] = m.name
        names.add(m.name.lower())
    return tuple(metrics)


def slot_format(output_format: str, where: str) -> tuple[str, bool]:
    """(the slot format, whether there is an overall slot) from FastChat's output_format.

    "[[rating]]" (FastChat's single-answer format) -> "{name}: [[{rating}]]" with an overall
    slot; empty -> the same line format, metrics only; any other format holding the word
    "rating" once -> "{name}: " + that format; pairwise verdicts ("[[A]]", "[[rating_a,
    rating_b]]") are refused.
    """
    fmt = output_format.strip()
    if not fmt:
        return DEFAULT_SLOT, False
    if fmt.count("rating") != 1 or re.search(r"rating_[ab]|\[\[[AB]\]\]", fmt):
        raise InputError(f"{where}: field 'output_format': {fmt!r} is not a single-answer "
                         "rating format (expected e.g. \"[[rating]]\"; pairwise prompts are "
                         "not imported)")
    before, _, after = fmt.partition("rating")
    return "{name}: " + _braces(before) + "{rating}" + _braces(after), True


def _braces(text: str) -> str:
    """Text as a str.format literal."""
    return text.replace("{", "{{").replace("}", "}}")


def overall_name(literal_text: str, metrics: Sequence[Metric]) -> str:
    """The overall slot's name: the prompt's own "Name: [[5]]" or "Name: [[rating]]" line that
    names no metric, else "Rating"."""
    names = {m.name.lower() for m in metrics}
    for match in _EXAMPLE.finditer(literal_text):
        name = match.group(1).strip()
        if name.lower() not in names:
            return name
    return DEFAULT_OVERALL


def scale_of(literal_text: str) -> tuple[int, int]:
    """The rating range the prompt states ("on a scale of 1 to 10"), else 1 to 10."""
    match = _SCALE.search(literal_text)
    if match and int(match.group(1)) < int(match.group(2)):
        return int(match.group(1)), int(match.group(2))
    return 1, 10


# -- writing the folder ------------------------------------------------------------------------

def _repair_j2(slot: str) -> str:
    """repair.j2 in mentalbench's words, asking for missing lines in the prompt's own format."""
    before, _, after = slot.format(name="\0", rating="rating").partition("\0")
    line = jinja_literal(before) + "{{ m.name }}" + jinja_literal(after)
    return ("Your evaluation did not give a usable rating for: "
            '{{ missing | map(attribute="name") | join(", ") }}.\n'
            "Reply with only those ratings, one per line, each a whole number from "
            "{{ scale.min }} to {{ scale.max }}, in exactly this format:\n"
            "{% for m in missing %}\n" + line + "\n{% endfor %}\n")


def _rubric_toml(result: ImportResult, prompt: FastChatPrompt, source: Path, digest: str,
                 description: str) -> str:
    # No date or absolute path here: the folder's hash is part of every judgment's key, so
    # importing the same prompt again must give the same folder.
    header = (f"# Imported by `mentalbench rubric import` from {source.name}, prompt "
              f"{prompt.name!r}\n# (sha256 of its fields: {digest}).\n"
              "# prompt.j2 and system.j2 render that prompt's text exactly, with {question} and\n"
              "# {answer} filled in; the metrics below were read from it (or given with --metric).\n"
              "# The text is the file's, not mentalbench's: mind its licence before sharing it.\n")
    top = {"name": result.name, "description": description, "version": "1"}
    body = [header, tomli_w.dumps(top), "\n[output]\n",
            "# The text a judge writes for one rating (from the prompt's output_format).\n",
            tomli_w.dumps({"slot": result.slot}),
            "\n[scale]\n", tomli_w.dumps({"min": result.scale[0], "max": result.scale[1]})]
    if result.overall:
        body += ["\n[overall]\n", tomli_w.dumps({"key": result.overall.key,
                                                 "name": result.overall.name})]
    for m in result.metrics:
        entry = {"key": m.key, "name": m.name}
        if m.definition:
            entry["definition"] = m.definition
        body += ["\n[[metrics]]\n", tomli_w.dumps(entry)]
    return "".join(body)


def import_prompt(file: str | Path, prompt_name: str, out: str | Path,
                  metric_options: Sequence[str] = (), name: str | None = None,
                  force: bool = False) -> ImportResult:
    """Write the rubric folder `out` for one prompt of a FastChat judge_prompts.jsonl file."""
    file, out = Path(file), Path(out)
    prompt = find_prompt(read_prompts(file), prompt_name, file)
    where = f"{file}:{prompt.line}"
    if prompt.type and prompt.type != "single":
        raise InputError(f"{where}: field 'type': {prompt.type!r} (only single-answer prompts, "
                         "type \"single\", are imported here; pairwise prompts by "
                         "rubric_import_pairwise)")
    parts = template_parts(prompt.prompt_template, where)
    literal_text = "".join(literal for literal, _ in parts)
    metrics = metrics_from_options(metric_options) if metric_options else \
        metrics_from_list(literal_text, where)
    slot, has_overall = slot_format(prompt.output_format, where)
    overall = Metric("overall", overall_name(literal_text, metrics)) if has_overall else None
    if overall and any(m.key == "overall" for m in metrics):
        raise InputError(f"{where}: a metric has the key 'overall', which the overall rating "
                         "of output_format uses; rename it with --metric KEY=Name")
    warnings = [f"metric {m.name!r} (--metric {m.key}=...) does not appear in the prompt's text"
                for m in metrics if metric_options and m.name.lower() not in literal_text.lower()]
    if prompt.prompt_template != prompt.prompt_template.strip():
        warnings.append("the template starts or ends with whitespace, which the rubric loader "
                        "trims from the rendered message")
    result = ImportResult(out, name or prompt.name, metrics, overall, slot,
                          scale_of(literal_text), tuple(warnings))
    refuse_run_folder(out, "--out")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InputError(f"{out}: already exists and is not empty (use --force to replace it)")
    digest = hashlib.sha256(json.dumps(
        {k: v for k, v in prompt.__dict__.items() if k != "line"}, sort_keys=True,
        ensure_ascii=False).encode()).hexdigest()
    files = {"rubric.toml": _rubric_toml(result, prompt, file, digest,
                                         prompt.description or f"imported from {file.name}"),
             "system.j2": jinja_literal(prompt.system_prompt, last=True),
             "prompt.j2": template_to_jinja(parts),
             "repair.j2": _repair_j2(slot)}
    write_rubric_folder(out, files, lambda folder: _verify(folder, prompt, where))
    return result


def write_rubric_folder(out: Path, files: dict[str, str], verify) -> None:
    """Write a rubric folder beside `out`, verify(folder) it, then put it in place of `out`;
    nothing is left behind when writing or verifying fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for filename, text in files.items():
            (tmp / filename).write_bytes(text.encode("utf-8"))
        verify(tmp)
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _verify(folder: Path, prompt: FastChatPrompt, where: str) -> None:
    """Load the written folder and check it renders the prompt exactly; nothing is kept if not."""
    question, answer = "<question text>", "<answer text>"
    messages = load_rubric(folder).messages(question, answer)
    expected = prompt.prompt_template.format(question=question, answer=answer)
    # The loader trims the rendered message; everything between is compared byte for byte.
    if messages[1]["content"] != expected.strip() or \
            messages[0]["content"] != prompt.system_prompt.strip():
        raise InputError(f"{where}: the imported rubric does not render this prompt exactly "
                         "(please report it with the prompt)")
