"""What each leaderboard CSV column is: its meaning, unit and how it is computed.

docs/cli.md shows this as one table (docs/gen_cli.py writes it; a test checks that every column
a leaderboard has is here, and that the page is current).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One leaderboard column, as documented."""

    name: str
    meaning: str
    unit: str
    computed: str


COLUMNS = (
    Column("model", "the answering model's label (the --name, or the model id); "
           "`@<answer_set>` is added when two answer sets share a label", "text", "stored"),
    Column("judge", "the judge's registered name (or the model id used as judge)", "text",
           "stored"),
    Column("judge_model", "the model the judge asked for", "text", "stored"),
    Column("rubric", "the rubric's name", "text", "stored"),
    Column("question_set", "the question set's name", "text", "stored"),
    Column("n_questions", "questions in the question set", "questions",
           "counted in the stored set"),
    Column("n_total", "questions of the set with any judgment row (scored or not) in this row",
           "questions", "counted"),
    Column("n_scored", "questions with every rubric key rated; every mean is over exactly these",
           "questions", "counted"),
    Column("partial", "fewer questions scored than the set holds (on purpose or not: see "
           "coverage)", "true/false", "n_scored < n_questions"),
    Column("<metric>", "one column per rubric metric (e.g. empathy_validation): its mean rating",
           "rating 1-10", "per question the mean over samples, then the mean over questions; "
           "2 decimals"),
    Column("metrics_mean", "the mean of the rubric's metrics: the sort key", "rating 1-10",
           "per judgment the mean of its metrics, then as a metric"),
    Column("metrics_mean_ci_low", "lower end of metrics_mean's 95% interval", "rating 1-10",
           "percentile bootstrap over questions (2,000 resamples, seed 0); empty with one "
           "question"),
    Column("metrics_mean_ci_high", "upper end of metrics_mean's 95% interval", "rating 1-10",
           "as metrics_mean_ci_low"),
    Column("overall", "the judge's own overall rating, asked for separately (not the mean of "
           "the metrics)", "rating 1-10", "as a metric"),
    Column("median_words", "median answer length", "words",
           "per question the mean over samples, then the median over questions"),
    Column("judge_model_served", "the model the API reported serving", "text", "stored"),
    Column("mode", "how the judge rated: text, logprobs or import", "text", "stored"),
    Column("answer_set", "identity of the answers (model and settings, or the answers file's "
           "content)", "8 hex digits", "content hash"),
    Column("rubric_sha", "identity of the rubric's files", "hex digits", "content hash"),
    Column("question_set_sha", "identity of the question set's content", "hex digits",
           "content hash"),
    Column("n_asked", "questions the runs were asked to judge (fewer than n_questions after "
           "--limit or a shorter answers file)", "questions",
           "the most any invocation of the row's run folders selected"),
    Column("coverage", "complete; subset N/M (asked N of M on purpose, all scored); or "
           "unfinished S/N (S of the N asked scored: killed, or calls failed)", "text",
           "from n_scored, n_asked and n_questions"),
    Column("check:<name>", "pass rate of a deterministic check (e.g. check:no_diagnosis) over "
           "the answers it applies to", "fraction 0-1",
           "per question the share of samples passing, then the mean over questions; 3 decimals"),
    Column("check:<name>:n", "questions that check applied to (its pass rate's denominator)",
           "questions", "counted"),
)


def documented(column: str, metric_keys: tuple[str, ...] | list[str] = ()) -> Column | None:
    """The documentation of a leaderboard column (metrics and checks by their pattern)."""
    by_name = {c.name: c for c in COLUMNS}
    if column in by_name:
        return by_name[column]
    if column in metric_keys:
        return by_name["<metric>"]
    if column.startswith("check:"):
        return by_name["check:<name>:n" if column.endswith(":n") else "check:<name>"]
    return None


def markdown() -> str:
    """The columns as one markdown table."""
    lines = ["| column | what it is | unit | how it is computed |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.meaning} | {c.unit} | {c.computed} |" for c in COLUMNS]
    return "\n".join(lines) + "\n"
