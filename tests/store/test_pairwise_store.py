"""The pairwise votes table: derived from the identity's fields, created once, round-trips."""

from __future__ import annotations

import dataclasses
import sqlite3

from mentalbench.records.base import Usage
from mentalbench.records.pairwise import IDENTITY_FIELDS, PairwiseIdentity, PairwiseVote
from mentalbench.store import pairwise as pairwise_store
from mentalbench.store.database import Store


def _vote(**changes):
    ident = PairwiseIdentity(*(f"{name}-value" for name in IDENTITY_FIELDS))
    vote = PairwiseVote("k1", ident, {"overall": "a", "empathy": None}, "partial", mode="text",
                        raw="Overall: [[A]] \ud800", usage=Usage(10, 2), attempt=1,
                        seconds=2.5, comment="fine")
    return dataclasses.replace(vote, **changes)


def test_the_columns_follow_the_identity_dataclass():
    db = sqlite3.connect(":memory:")
    pairwise_store.ensure(db)
    columns = [r[1] for r in db.execute(f"PRAGMA table_info({pairwise_store.TABLE})")]
    assert columns[1:1 + len(IDENTITY_FIELDS)] == list(IDENTITY_FIELDS)
    assert columns == list(pairwise_store.COLUMNS)
    pairwise_store.ensure(db)  # idempotent
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name=?",
                      (pairwise_store.TABLE,)).fetchone() == (1,)


def test_votes_round_trip_through_a_run_store(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    pairwise_store.put_votes(store.db, [_vote()])
    store.close()
    readonly = Store.readonly(tmp_path / "store.sqlite")
    [back] = pairwise_store.all_votes(readonly.db)
    assert back == _vote(raw="Overall: [[A]] \ufffd")  # a lone surrogate becomes U+FFFD
    assert pairwise_store.votes(readonly.db, ["k1", "other"]) == {"k1": back}


def test_a_store_without_the_table_reads_as_no_votes_and_stays_as_it_was(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    assert pairwise_store.all_votes(store.db) == [] and pairwise_store.votes(store.db, ["k"]) == {}
    assert not pairwise_store.exists(store.db)  # reading made no table
    store.close()
