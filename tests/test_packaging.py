"""The wheel carries the top-level rubrics/ and questions/; editable installs find them too."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mentalbench.inputs.resources import data_root, question_file, rubric_dir

ROOT = Path(__file__).resolve().parent.parent


def test_editable_install_finds_top_level_data():
    assert data_root() == ROOT
    assert (rubric_dir("mentalgpt") / "rubric.toml").is_file()
    assert question_file("mentalbench-200.jsonl").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT),
                    "-w", str(out)], check=True)
    return next(out.glob("mentalbench-*.whl"))


def test_wheel_ships_rubrics_and_questions(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("rubric.toml", "system.j2", "prompt.j2", "repair.j2"):
        assert f"mentalbench/_data/rubrics/mentalgpt/{f}" in names
    assert "mentalbench/_data/questions/mentalbench-200.jsonl" in names
    assert "mentalbench/_data/cards/mentalbench-cards-v1.jsonl" in names
    for f in ("rubric.toml", "system.j2", "prompt.j2", "repair.j2"):
        assert f"mentalbench/_data/rubrics/session/{f}" in names
    for f in ("client.toml", "system.j2"):
        assert f"mentalbench/_data/clients/roleplay/{f}" in names
    assert "mentalbench/judging/paper_judges.toml" in names  # the paper judges' dated table
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_loads_its_own_data(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = ("from mentalbench.run.resolve import resolve_questions, resolve_rubric; "
            "from mentalbench.inputs.resources import data_root; "
            "from mentalbench.plugins.registry import get_registry; "
            "q = resolve_questions(None); r = resolve_rubric('mentalgpt'); "
            "j = get_registry().judge_spec('gpt4'); "
            "from mentalbench.sessions.cards import resolve_cards; "
            "from mentalbench.sessions.client import resolve_template; "
            "c = resolve_cards('mentalbench-cards-v1'); resolve_template('roleplay'); "
            "print(data_root(), len(q.questions), len(r.metrics), j.model, len(c.cards))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": ""}, check=True)
    root, n_questions, n_metrics, gpt4, n_cards = out.stdout.split()
    assert int(n_cards) >= 120
    assert gpt4 == "openai:gpt-5.6-sol"  # read from the wheel's own judge_models.toml
    assert Path(root) == tmp_path / "mentalbench" / "_data"
    assert int(n_questions) == len(question_file("mentalbench-200.jsonl").read_text().splitlines())
    assert n_metrics == "7"
