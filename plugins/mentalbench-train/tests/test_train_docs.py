"""The training plugin's CLI reference (docs/cli-train.md) is generated from its commands' help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_plugins_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (DOCS / "cli-train.md").read_text() == module.render("mentalbench_train"), (
        "run: python docs/gen_cli.py mentalbench_train")
