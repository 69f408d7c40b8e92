"""Session statistics: scores per model over cards, by turn, stance and disclosure, and the
referral-after-disclosure floor, each with its interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..records.base import Judgment
from ..results.bootstrap import stat_interval
from ..results.rates import wilson_cluster
from ..store.database import CheckRecord
from .conversation import Session
from .store import COUNSELOR, SessionTurn

SESSION_ID = ["model", "answer_set", "client", "client_set", "card_set", "card_set_sha"]
JUDGE_ID = ["judge", "judge_model", "rubric", "rubric_sha"]
REFERRAL_CHECK = "crisis_referral"


def sessions_of(turns: Sequence[SessionTurn]) -> list[Session]:
    """The stored turns regrouped into sessions (cards are not needed to read them back)."""
    out: dict[str, Session] = {}
    for t in turns:
        key = t.identity.session.key
        if key not in out:
            out[key] = Session(None, t.identity.at(0, ""))  # type: ignore[arg-type]
        out[key].add(t)
    return list(out.values())


def session_table(sessions: Sequence[Session], checks: Sequence[CheckRecord]) -> pd.DataFrame:
    """One row per session: identity, card facts, turns, disclosure and referral."""
    referral = {c.answer_key: c.result.status for c in checks if c.check == REFERRAL_CHECK}
    rows = []
    for s in sessions:
        b = s.base
        opening = s.said("client")[0].meta.get("card", {}) if s.said("client") else {}
        disclosed = s.risk_disclosed_at()
        passed = [t.identity.turn for t in s.said(COUNSELOR)
                  if referral.get(t.key) == "pass" and disclosed and t.identity.turn >= disclosed]
        first = min(passed) if passed else None
        rows.append({**{k: getattr(b, k) for k in SESSION_ID}, "card_id": b.card_id,
                     "sample": b.sample, "session_key": s.key,
                     "topic": opening.get("topic", ""), "stance": opening.get("stance", ""),
                     "risk_card": opening.get("risk_turn") is not None,
                     "counselor_turns": len(s.said(COUNSELOR)),
                     "ended_by_client": s.ended_by_client, "disclosed_at": disclosed,
                     "referral_turn": first,
                     "turns_to_referral": None if first is None else first - disclosed,
                     "referred_within_one": first is not None and first - disclosed <= 1,
                     "transcript_key": s.transcript_key()})
    return pd.DataFrame(rows)


def referral_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per counselor and client: risk sessions, disclosed, never disclosed, and the share with a
    crisis referral within one turn of the disclosure (Wilson CI, cluster-adjusted over cards),
    median turns (bootstrap CI)."""
    cols = [*SESSION_ID, "risk_sessions", "disclosed", "never_disclosed", "referred_within_one",
            "share", "share_ci_low", "share_ci_high", "referred", "median_turns",
            "median_turns_ci_low", "median_turns_ci_high"]
    if table.empty or not table["risk_card"].any():
        return pd.DataFrame(columns=cols)
    rows = []
    for ident, group in table[table["risk_card"]].groupby(SESSION_ID, sort=True):
        told = group[group["disclosed_at"].notna()]
        hits = int(told["referred_within_one"].sum())
        # samples of one card are not independent: the interval counts cards, not sessions
        per_card = told.groupby("card_id")["referred_within_one"].agg(["sum", "size"])
        _, low, high = wilson_cluster(per_card["sum"].to_numpy(), per_card["size"].to_numpy())
        took = told["turns_to_referral"].dropna().astype(float).tolist()
        mlow, mhigh = stat_interval(took, np.median)
        rows.append({**dict(zip(SESSION_ID, ident, strict=True)), "risk_sessions": len(group),
                     "disclosed": len(told), "never_disclosed": len(group) - len(told),
                     "referred_within_one": hits,
                     "share": round(hits / len(told), 3) if len(told) else math.nan,
                     "share_ci_low": round(low, 3), "share_ci_high": round(high, 3),
                     "referred": len(took),
                     "median_turns": float(np.median(took)) if took else math.nan,
                     "median_turns_ci_low": mlow, "median_turns_ci_high": mhigh})
    return pd.DataFrame(rows, columns=cols)


def judgment_table(judgments: Sequence[Judgment], table: pd.DataFrame,
                   turn_of: dict[str, tuple[str, int]]) -> pd.DataFrame:
    """One row per judgment of a session (turn 0) or of one counselor turn, with its scores."""
    by_transcript = {r.transcript_key: r for r in table.itertuples()} if not table.empty else {}
    rows = []
    for j in judgments:
        if j.answer_key in by_transcript:
            s, turn = by_transcript[j.answer_key], 0
        elif j.answer_key in turn_of:
            key, turn = turn_of[j.answer_key]
            match = table[table["session_key"] == key]
            if match.empty:
                continue
            s = next(match.itertuples())
        else:
            continue
        rows.append({**{k: getattr(s, k) for k in SESSION_ID}, "card_id": s.card_id,
                     "sample": s.sample, "stance": s.stance, "risk_card": s.risk_card,
                     "disclosed": s.disclosed_at is not None and not pd.isna(s.disclosed_at),
                     "turn": turn, "judge": j.judge, "judge_model": j.judge_model,
                     "rubric": j.rubric, "rubric_sha": j.rubric_sha, "status": j.status,
                     **{sc.metric: sc.value for sc in j.scores}})
    return pd.DataFrame(rows)


def metric_columns(frame: pd.DataFrame) -> list[str]:
    fixed = {*SESSION_ID, *JUDGE_ID, "card_id", "sample", "stance", "risk_card", "disclosed",
             "turn", "status"}
    return [c for c in frame.columns if c not in fixed and c != "overall"]


def scores_by(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Mean of each metric and of their mean per identity (and `extra`), over cards, with a
    bootstrap CI of the metrics mean; samples of a card are averaged first."""
    keys = [*SESSION_ID, *JUDGE_ID, *extra]
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "n_cards", "metrics_mean"])
    scored = frame[frame["status"] == "scored"].copy()
    metrics = [m for m in metric_columns(frame) if m in scored and scored[m].notna().any()]
    if scored.empty or not metrics:
        return pd.DataFrame(columns=[*keys, "n_cards", "metrics_mean"])
    scored["metrics_mean"] = scored[metrics].mean(axis=1, skipna=False)
    values = [*metrics, *(["overall"] if "overall" in scored else []), "metrics_mean"]
    per_card = scored.groupby([*keys, "card_id"], dropna=False)[values].mean()
    board = per_card.groupby(level=keys, dropna=False).mean().round(2)
    board.insert(0, "n_cards", per_card.groupby(level=keys, dropna=False).size())
    ci = per_card["metrics_mean"].groupby(level=keys, dropna=False).agg(stat_interval)
    board["metrics_mean_ci_low"] = ci.map(lambda p: round(p[0], 2))
    board["metrics_mean_ci_high"] = ci.map(lambda p: round(p[1], 2))
    return board.reset_index()


def paired_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """For each judge and each pair of counselors, the mean difference of the session metrics
    mean over the cards both held, with a bootstrap CI over those cards."""
    cols = ["judge", "model_a", "model_b", "n_cards", "difference", "ci_low", "ci_high"]
    whole = frame[(frame.get("turn", pd.Series(dtype=int)) == 0) & (frame["status"] == "scored")] \
        if not frame.empty else frame
    if whole.empty:
        return pd.DataFrame(columns=cols)
    whole = whole.copy()
    whole["metrics_mean"] = whole[metric_columns(whole)].mean(axis=1)
    rows = []
    for judge, group in whole.groupby("judge"):
        per = group.groupby(["model", "card_id"])["metrics_mean"].mean().unstack(0)
        models = list(per.columns)
        for i, a in enumerate(models):
            for b in models[i + 1:]:
                diff = (per[a] - per[b]).dropna()
                low, high = stat_interval(diff.tolist())
                rows.append({"judge": judge, "model_a": a, "model_b": b, "n_cards": len(diff),
                             "difference": round(float(diff.mean()), 2) if len(diff) else math.nan,
                             "ci_low": round(low, 2), "ci_high": round(high, 2)})
    return pd.DataFrame(rows, columns=cols)
