"""Rankings from pairwise votes as tables: Bradley–Terry scores, win rates, position bias."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..records.pairwise import PairwiseVote
from ..store import pairwise as pairwise_store
from .pairwise_stats import PairVerdict, combine, position_bias

BT_COLUMNS = ["judge", "judge_model", "rubric", "question_set", "metric", "model", "n_pairs",
              "n_questions", "bt_score", "bt_low", "bt_high", "bt_style", "bt_style_low",
              "bt_style_high", "baseline", "win_rate", "win_low", "win_high"]
BIAS_COLUMNS = ["judge", "judge_model", "metric", "pairs_both_orders", "flip_rate",
                "decisive_votes", "first_wins"]


def load_votes(run_dirs: Sequence[Path]) -> list[PairwiseVote]:
    """Every pairwise vote of the run directories (one per key, the later directory's wins)."""
    from ..store.database import Store

    found: dict[str, PairwiseVote] = {}
    for d in run_dirs:
        store = Store.readonly(Path(d) / "store.sqlite")
        try:
            found.update({v.key: v for v in pairwise_store.all_votes(store.db)})
        finally:
            store.close()
    return list(found.values())


def _groups(votes: Sequence[PairwiseVote]) -> dict[tuple, list[PairwiseVote]]:
    out: dict[tuple, list[PairwiseVote]] = {}
    for v in votes:
        i = v.identity
        out.setdefault((i.judge, i.judge_model, i.rubric, i.question_set), []).append(v)
    return dict(sorted(out.items()))


def _baseline(verdicts: Sequence[PairVerdict], given: str | None) -> str | None:
    """The baseline named, else that of a --baseline run: the second model of every pair
    (pair_tasks puts the baseline there) and never the first."""
    if given is not None:
        return given
    seconds = {v.model_b for v in verdicts}
    if len(seconds) == 1 and not seconds & {v.model_a for v in verdicts}:
        return next(iter(seconds))
    return None


def _interval(boot) -> tuple[float, float]:
    from .bootstrap import interval

    if len(boot) == 0:
        return math.nan, math.nan
    low, high = interval(boot.reshape(len(boot), -1))
    return float(low[0]), float(high[0])


def bt_table(votes: Sequence[PairwiseVote], texts: Mapping[str, str],
             metrics: Sequence[str] = ("overall",), baseline: str | None = None,
             resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per judge, metric and model: Bradley–Terry score and its style-controlled variant with
    question-bootstrap 95% intervals, and the win rate against the baseline."""
    from .bootstrap import draw, interval
    from .bradley_terry import bt_scores, style_of, win_rates

    rows = []
    for (judge, judge_model, rubric, qset), mine in _groups(votes).items():
        for metric in metrics:
            verdicts = combine(mine, metric)
            if not verdicts:
                continue
            base = _baseline(verdicts, baseline)
            questions = sorted({v.question_id for v in verdicts})
            counts = draw(len(questions), resamples, seed).counts if resamples else None
            models, point, boot = bt_scores(verdicts, counts, base)
            low, high = interval(boot) if resamples else ([math.nan] * len(models),) * 2
            keys = {k for v in verdicts for k in (v.answer_key_a, v.answer_key_b)}
            style = ({k: style_of(texts[k]) for k in keys} if keys <= set(texts) else None)
            styled = bt_scores(verdicts, counts, base, style) if style else None
            wins = win_rates(verdicts, base, counts) if base else {}
            for i, model in enumerate(models):
                n = sum(model in (v.model_a, v.model_b) for v in verdicts)
                win = wins.get(model)
                s_low, s_high = interval(styled[2][:, i:i + 1]) if styled and resamples else (
                    [math.nan], [math.nan])
                w_low, w_high = _interval(win[1]) if win else (math.nan, math.nan)
                rows.append({
                    "judge": judge, "judge_model": judge_model, "rubric": rubric,
                    "question_set": qset, "metric": metric, "model": model, "n_pairs": n,
                    "n_questions": len({v.question_id for v in verdicts
                                        if model in (v.model_a, v.model_b)}),
                    "bt_score": point[i], "bt_low": low[i], "bt_high": high[i],
                    "bt_style": styled[1][i] if styled else math.nan,
                    "bt_style_low": s_low[0], "bt_style_high": s_high[0], "baseline": base or "",
                    "win_rate": win[0] if win else math.nan, "win_low": w_low,
                    "win_high": w_high})
    table = pd.DataFrame(rows, columns=BT_COLUMNS)
    numeric = [c for c in BT_COLUMNS if c.startswith(("bt_", "win_"))]
    table[numeric] = table[numeric].astype(float).round(3)
    return table.sort_values(["judge", "metric", "bt_score"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True)


def bias_table(votes: Sequence[PairwiseVote], metrics: Sequence[str] = ("overall",)
               ) -> pd.DataFrame:
    """Per judge and metric: how often verdicts flip with the order, and first-position wins."""
    rows = []
    for (judge, judge_model, _, _), mine in _groups(votes).items():
        for metric in metrics:
            stats = position_bias(mine, metric).get(judge)
            if stats and stats["pairs_both_orders"]:
                rows.append({"judge": judge, "judge_model": judge_model, "metric": metric,
                             **stats})
    return pd.DataFrame(rows, columns=BIAS_COLUMNS).round(3)


#: Resamples of the leaderboard's Bradley-Terry intervals: each refits the model (and its style-
#: controlled variant), so fewer than the report's 10,000; `mentalbench report` draws those.
BOARD_RESAMPLES = 1_000


def board_rows(votes: Sequence[PairwiseVote], texts: Mapping[str, str]) -> pd.DataFrame:
    """Leaderboard rows of the pairwise runs: one per judge and model, on the overall verdict."""
    from .bootstrap import SEED

    table = bt_table(votes, texts, ("overall",), resamples=BOARD_RESAMPLES, seed=SEED)
    table = table.assign(mode="pairwise").drop(columns=["metric", "n_pairs"])
    return table.rename(columns={"n_questions": "n_scored"})


def with_pairwise(board: pd.DataFrame, results, run_dirs: Sequence[Path]) -> pd.DataFrame:
    """The leaderboard with a row per pairwise judge and model (bt_score and its interval)."""
    votes = load_votes(run_dirs)
    if not votes:
        return board
    answers = results.answers
    rows = board_rows(votes, dict(zip(answers["answer_key"], answers["text"], strict=True)))
    if rows.empty:
        return board
    if board.empty:
        return rows.reset_index(drop=True)
    return pd.concat([board, rows], ignore_index=True)


VOTE_AGREEMENT_COLUMNS = ["judge", "metric", "n", "agreement", "agreement_low",
                          "agreement_high", "n_decisive", "agreement_no_ties",
                          "no_ties_low", "no_ties_high"]


def _oriented(verdicts) -> dict[tuple, str]:
    """Verdicts keyed by (question, answer keys in sorted order), turned to that order."""
    from ..records.pairwise import flip

    out = {}
    for v in verdicts:
        keys = (v.answer_key_a, v.answer_key_b)
        out[(v.question_id, *sorted(keys))] = v.verdict if keys == tuple(sorted(keys)) \
            else flip(v.verdict)
    return out


def vote_agreement_table(votes: Sequence[PairwiseVote], metric: str = "overall",
                         resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per LLM judge: agreement of its verdicts with human votes on the same pairs, with ties
    and without (pairs where either side tied left out), as MT-Bench reports it; "(humans)":
    the raters with one another. 95% intervals from resampling questions."""
    from .bootstrap import draw, interval

    by_judge: dict[str, dict[tuple, str]] = {}
    for judge in sorted({v.identity.judge for v in votes}):
        by_judge[judge] = _oriented(combine([v for v in votes if v.identity.judge == judge],
                                            metric))
    humans = [j for j in by_judge if j.startswith("human:")]
    groups = [(j, [(j, h) for h in humans]) for j in by_judge if j not in humans]
    if len(humans) > 1:
        groups.append(("(humans)", [(a, b) for i, a in enumerate(humans) for b in humans[i + 1:]]))
    rows = []
    for judge, pairs in groups:
        matched = [(key[0], by_judge[x][key], by_judge[y][key]) for x, y in pairs
                   for key in by_judge[x].keys() & by_judge[y].keys()]
        if not matched:
            continue
        questions = sorted({q for q, _, _ in matched})
        qidx = {q: i for i, q in enumerate(questions)}
        per_q = np.zeros((len(questions), 4))
        for q, x, y in matched:
            decisive = x != "tie" and y != "tie"
            per_q[qidx[q]] += [1, x == y, decisive, decisive and x == y]
        boot = draw(len(questions), resamples, seed).counts @ per_q
        with np.errstate(invalid="ignore", divide="ignore"):
            low, high = interval(np.column_stack([boot[:, 1] / boot[:, 0],
                                                  boot[:, 3] / boot[:, 2]]))
        total = per_q.sum(axis=0)
        rows.append({"judge": judge, "metric": metric, "n": int(total[0]),
                     "agreement": total[1] / total[0], "agreement_low": low[0],
                     "agreement_high": high[0], "n_decisive": int(total[2]),
                     "agreement_no_ties": total[3] / total[2] if total[2] else math.nan,
                     "no_ties_low": low[1], "no_ties_high": high[1]})
    return pd.DataFrame(rows, columns=VOTE_AGREEMENT_COLUMNS)


def bias_lines(run_dir: Path) -> list[str]:
    """One summary line per judge of a pairwise run: how often its verdicts flipped."""
    votes = load_votes([run_dir])
    lines = []
    for r in bias_table([v for v in votes if v.mode != "human"]).to_dict("records"):
        lines.append(f"position bias ({r['judge']}): {r['flip_rate']:.0%} of "
                     f"{r['pairs_both_orders']} pairs flipped with the order (counted as ties); "
                     f"the answer shown first won {r['first_wins']:.0%} of "
                     f"{r['decisive_votes']} decisive votes (50% is unbiased)")
    return lines
