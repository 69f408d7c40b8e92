"""LLM pairwise verdicts against human votes: agreement with and without ties, the ceiling."""

from __future__ import annotations

import pytest

from mentalbench.records.pairwise import PairwiseIdentity, PairwiseVote
from mentalbench.results.pairwise_tables import vote_agreement_table


def _vote(judge, q, verdict, first="a", swap=False):
    a, b = ("x", "y") if not swap else ("y", "x")
    ident = PairwiseIdentity(q, a, "", f"{a}:{q}", b, "", f"{b}:{q}", judge, "m", "pairwise",
                             "sha", "set", "setsha", first)
    return PairwiseVote(f"{judge}:{q}:{first}", ident, {"overall": verdict}, "scored")


def test_agreement_with_and_without_ties_and_the_ceiling():
    votes = []
    # the LLM judge, both orders: q0-q3 "x wins", q4 flips (a tie), q5 "y wins"
    for i in range(6):
        said = {4: ("a", "b"), 5: ("b", "b")}.get(i, ("a", "a"))
        votes += [_vote("gpt4", f"q{i}", said[0], "a"), _vote("gpt4", f"q{i}", said[1], "b")]
    # alice agrees on q0-q3 and q5, and votes x on q4; bob stores his pairs the other way
    # round (y first) and says "y" on q0, tie on q1, x elsewhere (in his orientation: b)
    votes += [_vote("human:alice", f"q{i}", "b" if i == 5 else "a") for i in range(6)]
    bob = {0: "a", 1: "tie"}
    votes += [_vote("human:bob", f"q{i}", bob.get(i, "b"), swap=True) for i in range(6)]
    table = vote_agreement_table(votes, resamples=200).set_index("judge")
    # gpt4 (x,x,x,x,tie,y) vs alice (x,x,x,x,x,y): 5 of 6; vs bob (y,tie,x,x,x,x): 2 of 6
    row = table.loc["gpt4"]
    assert row["n"] == 12 and row["agreement"] == pytest.approx(7 / 12)
    # decisive on both sides: alice 5 (q4 is a judge tie), bob 4 (q1 his tie, q4 the judge's)
    assert row["n_decisive"] == 9 and row["agreement_no_ties"] == pytest.approx(7 / 9)
    assert row["agreement_low"] <= row["agreement"] <= row["agreement_high"]
    ceiling = table.loc["(humans)"]
    # alice (x,x,x,x,x,y) vs bob (y,tie,x,x,x,x): q2-q4 agree
    assert ceiling["n"] == 6 and ceiling["agreement"] == pytest.approx(3 / 6)
    assert ceiling["agreement_no_ties"] == pytest.approx(3 / 5)
