"""The rating page in a real browser (Debian's chromium via Playwright): keyboard only, resumed
after a reload and after closing the page, two raters at once, pairwise votes."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from mentalbench.records.base import Answer
from mentalbench.store import pairwise as pairwise_store
from mentalbench.store.database import Store

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

MODELS = ("model-x", "model-y")
#: What each model's answers open with: the page must show these, never the model names.
OPENING = {"model-x": "Breathe slowly", "model-y": "Write it down"}


@pytest.fixture
def run_dir(tmp_path, small_questions):
    from mentalbench.inputs.questions import load_questions

    qset = load_questions(small_questions)
    out = tmp_path / "run"
    out.mkdir()
    store = Store(out / "store.sqlite")
    store.put_question_set(qset)
    store.put_answers([Answer(f"{m}-{q.id}", q.id, m, f"{OPENING[m]} ({q.id}).\n\nSecond "
                                                       "paragraph, kept apart.", answer_set=m[-1])
                       for m in MODELS for q in qset.questions])
    store.close()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve_rating():
    """Start a rating server for a session on a free port (as `mentalbench rate` does)."""
    import uvicorn

    from mentalbench.rating.app import create_app

    servers = []

    def start(session) -> str:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(session), host="127.0.0.1",
                                               port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/"
    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _session(run_dir, rater, mode="single", sample=3):
    from mentalbench.inputs.pairwise_rubric import resolve_pairwise_rubric
    from mentalbench.rating.items import load_sources, pair_items, single_items
    from mentalbench.rating.items import sample as draw
    from mentalbench.rating.session import Session
    from mentalbench.run.resolve import resolve_rubric

    sources = load_sources([run_dir])
    items = single_items(sources) if mode == "single" else pair_items(sources)
    rubric = resolve_rubric("mentalgpt") if mode == "single" else resolve_pairwise_rubric(None)
    return Session(rater, mode, draw(items, sample, seed=1), rubric, seed=1)


def _open(browser, url):
    context = browser.new_context()
    page = context.new_page()
    page.errors, page.requests = [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(url)
    page.wait_for_selector(".metric.focused, #vote-a:focus, #done", state="attached")
    return page


def _rate_one(page, digits, expect_done):
    for d in digits:
        page.keyboard.press(d)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#progress:has-text('{expect_done} of 3 rated')")


def _human_judgments(run_dir, rater):
    store = Store.readonly(run_dir / "store.sqlite")
    try:
        return [j for j in store.all_judgments() if j.judge == f"human:{rater}"]
    finally:
        store.close()


def test_a_rater_rates_by_keyboard_reloads_and_resumes(browser, run_dir, serve_rating):
    url = serve_rating(_session(run_dir, "alice"))
    page = _open(browser, url)
    assert page.inner_text("#progress") == "0 of 3 rated"
    text = page.inner_text("body")
    assert not any(m in text for m in MODELS)  # blind
    assert "Second paragraph" in page.inner_text(".answer")
    assert not page.is_visible("#vote")  # no pairwise buttons when rating single answers
    _rate_one(page, "78696857", 1)  # 8 slots: overall and 7 metrics
    page.reload()
    page.wait_for_selector("#progress:has-text('1 of 3 rated')")
    _rate_one(page, "55555555", 2)
    page.context.close()  # close the page altogether, then come back
    page = _open(browser, url)
    assert page.inner_text("#progress") == "2 of 3 rated"
    page.keyboard.press("?")  # the focused metric's description, one key away
    assert "Overall" in page.inner_text("#help")
    page.keyboard.press("c")
    page.keyboard.type("Warm but vague.")
    page.keyboard.press("Escape")
    _rate_one(page, "0123", 2)  # only 4 of 8 slots rated: Enter must refuse
    assert "Rate every metric first" in page.inner_text("#status")
    for _ in range(4):
        page.keyboard.press("9")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done", state="visible")
    assert page.errors == []
    assert all(u.startswith(url) for u in page.requests)  # nothing from any other host
    page.context.close()
    judged = _human_judgments(run_dir, "alice")
    assert len(judged) == 3
    assert len({j.answer_key for j in judged}) == 3
    by_values = sorted(tuple(s.value for s in j.scores) for j in judged)
    assert by_values == sorted([(7, 8, 6, 9, 6, 8, 5, 7), (5,) * 8, (10, 1, 2, 3, 9, 9, 9, 9)])
    for j in judged:
        assert j.mode == "human" and j.judge_model == "human" and j.question_set == "q"
        assert j.rubric == "mentalgpt" and j.rubric_sha and j.question_set_sha
        assert json.loads(j.raw)["seconds"] >= 0
    assert {json.loads(j.raw)["comment"] for j in judged} == {"", "Warm but vague."}


def test_two_raters_at_once_write_their_own_judgments(browser, run_dir, serve_rating):
    alice = _open(browser, serve_rating(_session(run_dir, "alice")))
    bob = _open(browser, serve_rating(_session(run_dir, "bob")))
    for n in (1, 2, 3):
        _rate_one(alice, "11111111", n)
        _rate_one(bob, "22222222", n)
    assert {s.value for j in _human_judgments(run_dir, "alice") for s in j.scores} == {1}
    assert {s.value for j in _human_judgments(run_dir, "bob") for s in j.scores} == {2}
    # the same sample for both raters (so their agreement can be measured)
    assert {j.answer_key for j in _human_judgments(run_dir, "alice")} == \
        {j.answer_key for j in _human_judgments(run_dir, "bob")}
    alice.context.close()
    bob.context.close()


def test_pairwise_votes_by_keyboard_are_stored_by_model(browser, run_dir, serve_rating):
    session = _session(run_dir, "carol", mode="pairwise", sample=3)
    page = _open(browser, serve_rating(session))
    answers = page.locator(".answer").all_inner_texts()
    assert len(answers) == 2 and page.is_visible("#vote") and not page.is_visible(".metric")
    assert not page.is_visible("#save")
    first_model = "model-x" if OPENING["model-x"] in answers[0] else "model-y"
    page.keyboard.press("a")
    page.wait_for_selector("#progress:has-text('1 of 3 rated')")
    page.keyboard.press("t")
    page.wait_for_selector("#progress:has-text('2 of 3 rated')")
    page.keyboard.press("b")
    page.wait_for_selector("#done", state="visible")
    page.context.close()
    db = Store.readonly(run_dir / "store.sqlite").db
    votes = {v.identity.question_id: v for v in pairwise_store.all_votes(db)}
    assert len(votes) == 3 and all(v.identity.judge == "human:carol" for v in votes.values())
    firsts = [votes[i.question.id] for i in session.order]
    winner = firsts[0].verdict("overall")
    assert (firsts[0].identity.model_a if winner == "a" else firsts[0].identity.model_b) \
        == first_model
    assert firsts[1].verdict("overall") == "tie"
