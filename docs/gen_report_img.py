"""Writes docs/img/report.png: the first screen of a report on SIMULATED judgments.

The data are tests/report_data.py's synthetic Results (planted model, question and length
effects; labels after the paper's base and fine-tuned models), not real results; the judges
carry the models the registered `gpt4` and `gemini` judge with today (`mentalbench judges`).
Needs the report extra, Playwright and Debian's chromium (make browser).

    .venv/bin/python docs/gen_report_img.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ("llama2-7b", "llama2-7b-synthetic", "llama2-7b-interview", "mistral-7b",
         "mistral-7b-synthetic", "mistral-7b-interview")
EFFECTS = (-2.0, 0.9, 0.6, -1.2, 1.1, 0.9)
LENGTHS = (-0.6, 0.5, 0.1, -0.5, 0.6, 0.2)


def with_current_judges(results):
    """The simulated judgments, labelled with the models today's registered judges ask for."""
    import dataclasses

    from mentalbench.plugins.registry import get_registry

    rows = results.judgments.copy()
    for judge in rows["judge"].unique():
        model = get_registry().judge_spec(judge).model
        mine = rows["judge"] == judge
        rows.loc[mine, "judge_model"] = model
        rows.loc[mine, "judge_model_served"] = model.partition(":")[2]
    return dataclasses.replace(results, judgments=rows)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from mentalbench.report import ReportOptions, write_report
    from tests.report.test_browser import CHROMIUM, FLAGS
    from tests.report_data import Plan, synthetic_results

    plan = Plan(models=len(NAMES), names=NAMES, model_effect=EFFECTS, model_log_length=LENGTHS,
                questions=200, length_beta=0.4, judge_offset={"gemini": 0.6}, seed=7)
    results = with_current_judges(synthetic_results(plan))
    target = ROOT / "docs" / "img" / "report.png"
    with tempfile.TemporaryDirectory() as tmp:
        page_path = write_report(results, Path(tmp) / "report",
                                 ReportOptions(baseline="llama2-7b"))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(page_path.as_uri())
            shot = Path(tmp) / "shot.png"
            page.screenshot(path=str(shot))
            browser.close()
        from PIL import Image

        target.parent.mkdir(parents=True, exist_ok=True)
        Image.open(shot).convert("RGB").quantize(colors=64).save(target, optimize=True)
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
