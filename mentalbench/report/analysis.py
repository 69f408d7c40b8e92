"""Every table of a report from one Results and one set of bootstrap draws."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..results.bootstrap import Draws, draw, interval
from ..results.tables import Results
from .agreement import agreement_table
from .breakdowns import by_tag_table
from .checks import check_rating_table, check_table, section_checks
from .cube import METRICS_MEAN, Cube, Section, build_cube, select
from .health import health_table
from .humans import human_table
from .length import LengthFit, fit_lengths, length_table
from .options import RESAMPLES, SEED, ReportOptions
from .pairs import pair_table
from .scores import Means, cube_means, score_table
from .votes import refuse_votes_only, vote_tables
from .wins import win_table


@dataclass(frozen=True, eq=False)
class Analysis:
    """A report's numbers: the tables written as CSV, and what the figures and page draw on."""

    options: ReportOptions
    section: Section
    cube: Cube
    draws: Draws
    means: Means
    fits: dict[tuple[str, str], LengthFit]
    scores: pd.DataFrame
    pairs: pd.DataFrame
    agreement: pd.DataFrame
    length: pd.DataFrame
    by_tag: pd.DataFrame
    wins: pd.DataFrame | None  # only with a baseline
    health: pd.DataFrame
    checks: pd.DataFrame
    check_ratings: pd.DataFrame
    humans: pd.DataFrame  # LLM judges against human:<rater> judges (empty without humans)
    rankings: pd.DataFrame  # Bradley-Terry from pairwise votes (empty without votes)
    position_bias: pd.DataFrame
    human_votes: pd.DataFrame  # LLM pairwise verdicts against human votes (empty without)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV files of the report by name."""
        out = {"scores.csv": self.scores, "pairs.csv": self.pairs,
               "agreement.csv": self.agreement, "length.csv": self.length,
               "by_tag.csv": self.by_tag, "health.csv": self.health,
               "checks.csv": self.checks, "check_ratings.csv": self.check_ratings}
        if self.wins is not None:
            out["wins.csv"] = self.wins
        if not self.humans.empty:
            out["humans.csv"] = self.humans
        if not self.rankings.empty:
            out["bradley_terry.csv"] = self.rankings
            out["position_bias.csv"] = self.position_bias
        if not self.human_votes.empty:
            out["human_votes.csv"] = self.human_votes
        return out


def analyse(results: Results, options: ReportOptions) -> Analysis:
    """Select, build the cube, draw once, and compute every table from the same draws."""
    refuse_votes_only(results)
    section = select(results, options)
    cube = build_cube(section, results)
    draws = draw(len(cube.questions), options.resamples, options.seed)
    means = cube_means(cube, draws)
    fits = fit_lengths(cube, means, draws, options.length_reference)
    pairs = pair_table(cube, draws, fits)
    checks = section_checks(results.checks, section, cube)
    wins = (win_table(cube, pairs, options.baseline, section.rubric_keys)
            if options.baseline else None)
    rankings, bias, human_votes = vote_tables(results, options.metrics, options.baseline, options.seed)
    return Analysis(
        options=options, section=section, cube=cube, draws=draws, means=means, fits=fits,
        scores=score_table(cube, means, fits), pairs=pairs,
        agreement=agreement_table(cube, means, draws),
        length=length_table(fits, len(cube.models)), by_tag=by_tag_table(cube, draws),
        wins=wins, health=health_table(section), checks=check_table(checks, cube, draws),
        check_ratings=check_rating_table(checks, section, cube, draws),
        humans=human_table(cube, draws), rankings=rankings, position_bias=bias,
        human_votes=human_votes)


def metrics_mean_ci(results: Results, resamples: int = RESAMPLES, seed: int = SEED) -> pd.DataFrame:
    """Bootstrap 95% CI of metrics_mean per leaderboard row (model, judge, rubric, question_set).

    Each (question set, rubric) pair gets its own draws over its own questions; judges are
    reported one by one (no panel), as a leaderboard lists them.
    """
    columns = ["model", "judge", "rubric", "question_set", "n", "mean", "ci_low", "ci_high"]
    frames = []
    identity = ["question_set", "question_set_sha", "rubric", "rubric_sha"]
    for key, rows in results.judgments.groupby(identity, sort=True):
        question_set, _, rubric, _ = key
        options = ReportOptions(resamples=resamples, seed=seed, metrics=(METRICS_MEAN,))
        section = select(replace(results, judgments=rows), options)
        for judge in sorted(section.rows["judge_label"].unique()):
            one = replace(section, rows=section.rows[section.rows["judge_label"] == judge])
            if not (one.rows["status"] == "scored").any():
                continue
            cube = build_cube(one, results)
            means = cube_means(cube, draw(len(cube.questions), resamples, seed))
            low, high = interval(means.boot[:, 0, 0])
            frames.append(pd.DataFrame({
                "model": cube.models, "judge": judge, "rubric": rubric,
                "question_set": question_set, "n": means.n[0, 0], "mean": means.point[0, 0],
                "ci_low": low, "ci_high": high}))
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    return out[out["n"] > 0][columns].reset_index(drop=True)
