"""`mentalbench rate` without a browser: sampling, per-rater order, exports, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli

from .test_browser import MODELS, run_dir  # noqa: F401 (a fixture)


def _cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_sample_is_the_same_for_every_rater_and_the_order_is_each_raters_own(
        run_dir, tmp_path):  # noqa: F811
    rows = {}
    for rater in ("alice", "bob", "carol"):
        out = tmp_path / f"{rater}.jsonl"
        result = _cli("rate", run_dir, "--rater", rater, "--sample", 4, "--seed", 7,
                      "--export", out)
        assert result.exit_code == 0, result.output
        rows[rater] = [json.loads(line) for line in out.read_text().splitlines()]
    items = [[r["item"] for r in rows[rater]] for rater in rows]
    assert all(len(i) == 4 and set(i) == set(items[0]) for i in items)
    assert len({tuple(i) for i in items}) > 1  # orders differ between raters
    # stratified: both models are in a 4-item sample of 2 models x 3 questions
    assert {r["model"] for r in rows["alice"]} == set(MODELS)
    other = tmp_path / "other.jsonl"
    assert _cli("rate", run_dir, "--rater", "alice", "--sample", 4, "--seed", 8,
                "--export", other).exit_code == 0


def test_a_label_studio_import_file_and_its_config(run_dir, tmp_path):  # noqa: F811
    out = tmp_path / "tasks.json"
    result = _cli("rate", run_dir, "--rater", "team", "--export", out)
    assert result.exit_code == 0, result.output
    tasks = json.loads(out.read_text())
    assert len(tasks) == 6 and {"question", "answer", "model", "question_id"} <= set(
        tasks[0]["data"])
    config = (tmp_path / "tasks.json.label_config.xml").read_text()
    assert '<Rating name="empathy_validation" toName="answer" maxRating="10"/>' in config
    pairs = tmp_path / "pairs.json"
    assert _cli("rate", run_dir, "--rater", "team", "--mode", "pairwise", "--export",
                pairs).exit_code == 0
    assert len(json.loads(pairs.read_text())) == 3  # one pair of models on each question


@pytest.mark.parametrize("args, message", [
    (["--rater", "<script>"], "--rater '<script>': expected 1 to 40 letters"),
    (["--rater", ""], "--rater '': expected 1 to 40 letters"),
])
def test_bad_rater_names_are_one_line_errors(run_dir, args, message):  # noqa: F811
    result = _cli("rate", run_dir, *args, "--export", run_dir / "x.jsonl")
    assert result.exit_code == 2 and result.output.strip() == f"Error: {message}, digits, spaces, '.', '_' or " \
        "'-', starting with a letter or digit"


def test_a_folder_without_a_store_is_refused(tmp_path):
    result = _cli("rate", tmp_path, "--rater", "alice")
    assert result.exit_code == 2 and "not a run directory (no store.sqlite)" in result.output


def test_label_studio_results_come_back_through_import_judgments(
        run_dir, tmp_path, small_questions):  # noqa: F811
    from mentalbench.store.database import Store

    tasks_file = tmp_path / "tasks.json"
    assert _cli("rate", run_dir, "--rater", "team", "--sample", 2,
                "--export", tasks_file).exit_code == 0
    tasks = json.loads(tasks_file.read_text())
    keys = ["overall", "active_listening", "empathy_validation", "safety_trustworthiness",
            "open_mindedness_non_judgment", "clarity_encouragement", "boundaries_ethical",
            "holistic_approach"]
    for n, task in enumerate(tasks):  # what Label Studio's JSON export adds to each task
        task["id"] = n + 1
        task["annotations"] = [{
            "completed_by": {"id": 3, "email": "dana@example.org"}, "lead_time": 41.5,
            "result": [{"from_name": k, "to_name": "answer", "type": "rating",
                        "value": {"rating": 1 + (n + i) % 10}} for i, k in enumerate(keys)]
            + [{"from_name": "comment", "to_name": "question", "type": "textarea",
                "value": {"text": ["kind"]}}]}]
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(tasks), encoding="utf-8")
    store = Store.readonly(run_dir / "store.sqlite")
    files = []
    for model in MODELS:  # one answers file a model, as runs write them
        files += ["-a", tmp_path / f"{model}.jsonl"]
        files[-1].write_text("".join(json.dumps(a.to_dict()) + "\n" for a in store.all_answers()
                                     if a.model == model), encoding="utf-8")
    store.close()
    out = tmp_path / "imported"
    result = _cli("judge", *files, "-q", small_questions, "--import-judgments", exported,
                  "-o", out, "--no-checks")
    assert result.exit_code == 0, result.output
    store = Store.readonly(out / "store.sqlite")
    judged = store.all_judgments()
    store.close()
    assert len(judged) == 2 and {j.judge for j in judged} == {"human:dana@example.org"}
    by_question = {(j.question_id, j.model): j for j in judged}
    for n, task in enumerate(tasks):
        j = by_question[(task["data"]["question_id"], task["data"]["model"])]
        assert [j.score(k) for k in keys] == [1 + (n + i) % 10 for i in range(len(keys))]
        assert json.loads(j.raw) == {"seconds": 41.5, "comment": "kind"}


def test_the_app_takes_json_from_this_machine_only(run_dir):  # noqa: F811
    from starlette.testclient import TestClient

    from mentalbench.rating.app import create_app
    from mentalbench.rating.items import load_sources, single_items
    from mentalbench.rating.session import Session
    from mentalbench.run.resolve import resolve_rubric

    session = Session("alice", "single", single_items(load_sources([run_dir])),
                      resolve_rubric("mentalgpt"))
    client = TestClient(create_app(session), base_url="http://127.0.0.1:8765")
    items = client.get("/api/items").json()["items"]
    assert len(items) == 6 and not any(m in json.dumps(items) for m in MODELS)
    scores = {m["key"]: 5 for m in client.get("/api/items").json()["metrics"]}
    body = json.dumps({"id": items[0]["id"], "scores": scores, "seconds": 1, "comment": ""})
    form = client.post("/api/rate", content=body, headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    elsewhere = TestClient(create_app(session), base_url="http://evil.example:8765")
    assert elsewhere.get("/api/items").status_code == 400
    bad = client.post("/api/rate", json={"id": items[0]["id"], "scores": {"overall": 11}})
    assert bad.status_code == 400 and "expected a rating for every metric" in bad.json()["error"]
    over = client.post("/api/rate", json={"id": items[0]["id"], "seconds": 1, "comment": "",
                                          "scores": {**scores, "overall": 11}})
    assert over.status_code == 400 and "from 1 to 10" in over.json()["error"]
    assert client.get("/api/items").json()["items"][0]["saved"] is None  # nothing half-written
    ok = client.post("/api/rate", json={"id": items[0]["id"], "scores": scores, "seconds": 1,
                                        "comment": ""})
    assert ok.status_code == 200
    assert client.get("/api/items").json()["items"][0]["saved"]["scores"] == scores


def test_a_port_in_use_is_a_one_line_error(run_dir):  # noqa: F811
    import socket

    pytest.importorskip("uvicorn")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = _cli("rate", run_dir, "--rater", "alice", "--port", port)
    assert result.exit_code == 2
    assert result.output == f"Error: --port {port}: already in use on 127.0.0.1 (another " \
        "rater's page? pick another with --port)\n"
