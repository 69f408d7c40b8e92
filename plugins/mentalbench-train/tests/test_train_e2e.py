"""From data to adapter to benchmark on the CPU: the loss falls and the answers change."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli


@pytest.mark.slow
def test_train_the_embedded_model_then_benchmark_its_adapter(tmp_path, alpaca_file,
                                                             rating_judge):
    out = tmp_path / "adapter"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--base", "smollm2", "--data", str(alpaca_file),
                                 "--out", str(out), "--max-steps", "4", "--batch-size", "4",
                                 "--grad-accum", "1", "--learning-rate", "2e-3", "--lora-r", "16",
                                 "--eval-fraction", "0.2"])
    assert result.exit_code == 0, result.output
    log = [json.loads(line) for line in (out / "loss_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(losses) == 4 and losses[-1] < 0.6 * losses[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"]["model"] == "smollm2" and len(manifest["base"]["fingerprint"]) == 16
    (data,) = manifest["data"]
    assert (data["rows"], data["train"], data["eval"]) == (24, 19, 5)
    assert len(data["sha256"]) == 64 and data["bytes"] == alpaca_file.stat().st_size
    assert manifest["settings"]["lora_r"] == 16 and manifest["settings"]["learning_rate"] == 2e-3
    assert manifest["results"]["eval_loss"] < manifest["results"]["first_loss"]
    assert manifest["versions"]["peft"] and manifest["versions"]["bitsandbytes"]

    answers = {}
    for label, extra in (("base", []), ("tuned", ["--model-opt", f"adapter={out}"])):
        run = runner.invoke(cli, ["run", "--model", "smollm2", "--judge", rating_judge,
                                  "--limit", "1", "--model-opt", "max_new_tokens=12",
                                  "--model-opt", "temperature=0", *extra,
                                  "--out", str(tmp_path / label)])
        assert run.exit_code == 0, run.output
        rows = (tmp_path / label / "answers.jsonl").read_text().splitlines()
        answers[label] = [json.loads(r)["text"] for r in rows]
    assert all(answers["base"]) and all(answers["tuned"])
    assert answers["tuned"] != answers["base"]
