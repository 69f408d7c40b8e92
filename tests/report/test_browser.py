"""report.html in a real browser: Debian's chromium driven by Playwright, from file://
(tests/chromium.py says when the tests skip)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    pytest.importorskip("matplotlib")
    from mentalbench.report import ReportOptions, write_report

    from ..report_data import synthetic_results

    results = synthetic_results(models=5, questions=24, partial_every=11, length_beta=0.6)
    out = tmp_path_factory.mktemp("browser") / "report"
    return write_report(results, out, ReportOptions(resamples=300, baseline="model-00"))


@pytest.fixture
def page(browser, report_file):
    """The report opened from file://, with every request and console error recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def only_local(route):
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            route.abort()
    context.route("**/*", only_local)
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    yield page
    context.close()


def test_opens_with_no_error_and_no_network_request(page, report_file, tmp_path):
    assert page.title().startswith("mentalbench report")
    page.click("#qlist button >> nth=0")  # the drill-down decodes its data: no fetch either
    page.wait_for_selector("#drill-view details.model")
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith("data:")] == [report_file.as_uri()]
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_every_figure_renders(page):
    figures = page.locator("figure.figure")
    assert figures.count() >= 8
    for i in range(figures.count()):
        box = figures.nth(i).locator("svg").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, i
    # The SVG content itself painted: its drawn elements have sizes too.
    sizes = page.eval_on_selector_all(
        "figure.figure svg path, figure.figure svg image",
        "els => els.filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; })"
        ".length")
    assert sizes > 100


def test_a_table_sorts_on_header_click(page):
    table = page.locator("#leaderboard table.sortable").first
    header = table.locator("th", has_text="Metrics mean").first
    assert header.get_attribute("title") == "metrics_mean"  # the key, in a tooltip
    column = "td:nth-child(4)"

    def values():
        return [float(v) for v in table.locator(f"tbody tr {column}").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-v'))")]
    assert values() == sorted(values(), reverse=True)  # as written: by rank
    header.click()
    assert values() == sorted(values())
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert values() == sorted(values(), reverse=True)
    model = table.locator("th", has_text="model").first
    model.click()
    names = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == sorted(names)


def test_the_drill_down_opens(page):
    page.click("#qlist button[data-q='q003']")
    view = page.locator("#drill-view")
    view.locator("details.model").first.wait_for()
    assert view.locator("h3").inner_text() == "q003"
    assert "Question q003" in view.locator(".qtext").inner_text()
    models = view.locator("details.model")
    assert models.count() == 5
    first = models.first
    assert first.get_attribute("open") is None
    first.locator("> summary").click()
    assert first.get_attribute("open") is not None
    assert "it makes sense" in first.locator(".answer").first.inner_text()
    ratings = first.locator("table tbody tr")
    assert ratings.count() == 2  # one row per judge
    why = first.locator("details").first
    why.locator("> summary").click()
    assert "Rating: [[" in why.locator(".raw").inner_text()
    assert page.errors == []


# -- reports of 1, 3 and 25 models (2 judges) at a desktop's and a phone's width -------------

OVERLAPS = (Path(__file__).with_name("overlap.js")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sized_reports(tmp_path_factory):
    """report.html of 1, 3 and 25 models, each judged by two judges."""
    pytest.importorskip("matplotlib")
    from mentalbench.report import ReportOptions, write_report

    from ..report_data import synthetic_results

    out = {}
    for models in (1, 3, 25):
        results = synthetic_results(models=models, questions=24, partial_every=11,
                                    length_beta=0.6 if models > 1 else 0.0,
                                    samples=2 if models == 3 else 1)
        folder = tmp_path_factory.mktemp(f"models{models}") / "report"
        out[models] = write_report(results, folder, ReportOptions(resamples=200))
    return out


@pytest.mark.parametrize("width", [1400, 420])
@pytest.mark.parametrize("models", [1, 3, 25])
def test_no_text_overlaps_and_no_console_error(browser, sized_reports, models, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(sized_reports[models].as_uri())
        page.wait_for_load_state("load")
        page.click("#qlist button >> nth=0")  # the drill-down too
        page.wait_for_selector("#drill-view details.model")
        assert page.evaluate(OVERLAPS) == []
        assert errors == []
        lede = page.locator(".lede").inner_text()
        assert lede.startswith(f"{models} model{'s' if models > 1 else ''}, 2 judges, 24 questions")
        figures = page.locator("figure.figure")
        keys = [figures.nth(i).get_attribute("id") for i in range(figures.count())]
        if models == 1:  # nothing that compares models is drawn
            assert not [k for k in keys if k.startswith(("fig-delta", "fig-length", "fig-slopes"))]
            assert "no pair to compare" in page.locator("#pairs").inner_text()
        else:
            assert "fig-slopes" in keys and any(k.startswith("fig-delta") for k in keys)
        # Beyond eight models, dots on one axis of named models; no legend of 25 colours.
        bars = page.locator("#fig-bars svg text").evaluate_all("ts => ts.map(t => t.textContent)")
        if models == 25:
            assert sum(t.strip().startswith("model-") for t in bars) == 25
        if models == 3:  # two answers a question: each judge's mean says which answer
            summary = page.locator("#drill-view details.model > summary").first.inner_text()
            assert "(answer 0)" in summary and "(answer 1)" in summary, summary
        # The model column of a wide leaderboard stays put while it scrolls sideways.
        cell = page.locator("#leaderboard table.board tbody td.model").first
        assert cell.evaluate("c => getComputedStyle(c).position") == "sticky"
    finally:
        context.close()
