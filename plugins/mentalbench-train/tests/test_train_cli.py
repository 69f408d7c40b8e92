"""`mentalbench train` and `train merge`: the register_commands hook, errors, resume, merge."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli


def _train(*args):
    return CliRunner().invoke(cli, ["train", *map(str, args)], catch_exceptions=False)


def test_the_plugin_adds_train_through_register_commands():
    plugins = json.loads(CliRunner().invoke(cli, ["plugins"]).output)
    by_name = {p["name"]: p for p in plugins}
    assert by_name["mentalbench_train.plugin"]["hooks"] == ["register_commands"]
    assert by_name["mentalbench_train.data.plugin"]["hooks"] == ["register_commands"]
    assert sorted(cli.commands["train"].commands) == ["merge"]


def test_missing_arguments_exit_2():
    result = _train()
    assert result.exit_code == 2
    assert "Error: mentalbench train: missing --base, --data, --out" in result.output


def test_bad_data_fails_before_anything_is_written(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"instruction": "q", "output": "a"}\n{"instruction": "q"}\n')
    out = tmp_path / "out"
    result = _train("--base", "smollm2", "--data", data, "--out", out)
    assert result.exit_code == 2
    assert f"Error: {data}:2: field 'output' is empty: expected text" in result.output
    assert not out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--base", "nope"], "unknown model 'nope'"),
    (["--mix", "1,2"], "--mix '1,2': expected 1 weights"),
    (["--lora-r", "0"], "--lora-r 0: expected an integer >= 1"),
])
def test_bad_arguments_are_one_line_errors(tmp_path, alpaca_file, extra, message):
    args = ["--base", "smollm2", "--data", alpaca_file, "--out", tmp_path / "o", *extra]
    result = _train(*args)
    assert result.exit_code == 2 and message in result.output


def test_a_foreign_output_folder_is_refused(tmp_path, alpaca_file):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = _train("--base", "smollm2", "--data", alpaca_file, "--out", out)
    assert result.exit_code == 2 and "holds no mentalbench training run" in result.output


def _tiny_args(tiny_model_dir, alpaca_file, out, steps=4):
    return ["--base", f"hf:{tiny_model_dir}", "--data", alpaca_file, "--out", out,
            "--max-steps", steps, "--batch-size", 4, "--grad-accum", 1, "--lora-r", 8,
            "--save-steps", 2, "--eval-fraction", 0.1]


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, tiny_model_dir, alpaca_file,
                                                        monkeypatch):
    import mentalbench_train.trainer as trainer_module
    from transformers import TrainerCallback

    out = tmp_path / "adapter"
    original = trainer_module._callbacks

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(trainer_module, "_callbacks",
                        lambda plan, say: [*original(plan, say), Interrupt()])
    stopped = _train(*_tiny_args(tiny_model_dir, alpaca_file, out))
    assert stopped.exit_code == 130 and "run the same command again to resume" in stopped.output
    assert (out / "checkpoints" / "checkpoint-2").is_dir()
    assert not (out / "adapter_config.json").exists()  # nothing half-written to load

    monkeypatch.setattr(trainer_module, "_callbacks", original)
    result = _train(*_tiny_args(tiny_model_dir, alpaca_file, out))
    assert result.exit_code == 0, result.output
    assert "resuming from" in result.output and "checkpoint-2" in result.output
    steps = [json.loads(line)["step"] for line in (out / "loss_log.jsonl").read_text().splitlines()
             if "loss" in json.loads(line)]
    assert steps == [1, 2, 3, 4]  # step 3 was redone once, not logged twice
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["results"]["steps"] == 4
    assert not (out / "checkpoints").exists()

    again = _train(*_tiny_args(tiny_model_dir, alpaca_file, out))
    assert again.exit_code == 0 and "already holds this finished run" in again.output
    other = _train(*_tiny_args(tiny_model_dir, alpaca_file, out, steps=5))
    assert other.exit_code == 2 and "holds a run with another base, data or settings" in other.output


def test_merge_writes_a_bf16_model_equal_to_base_plus_adapter(tmp_path, tiny_model_dir,
                                                              alpaca_file):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    adapter, merged = tmp_path / "adapter", tmp_path / "merged"
    assert _train(*_tiny_args(tiny_model_dir, alpaca_file, adapter, steps=2)).exit_code == 0
    result = _train("merge", adapter, "--out", merged)
    assert result.exit_code == 0, result.output
    record = json.loads((merged / "mentalbench_merge.json").read_text())
    assert record["base"]["model"] == f"hf:{tiny_model_dir}" and record["dtype"] == "bfloat16"
    model = AutoModelForCausalLM.from_pretrained(merged)
    assert model.dtype == torch.bfloat16
    ref = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.bfloat16), str(adapter))
    ids = torch.tensor([[1, 5, 9, 42, 7]])
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, ref(ids).logits, atol=0.05)
    assert _train("merge", adapter, "--out", merged).exit_code == 2  # never overwrites


def test_packing_trains_and_records_the_slots(tmp_path, tiny_model_dir, alpaca_file):
    out = tmp_path / "packed"
    args = _tiny_args(tiny_model_dir, alpaca_file, out, steps=2)
    result = _train(*args, "--packing", "--pack-length", 200)
    assert result.exit_code == 0, result.output
    assert "packing: 22 examples in" in result.output and "slots of <= 200 tokens" in result.output
    settings = json.loads((out / "manifest.json").read_text())["settings"]
    assert (settings["packing"], settings["pack_length"]) == (True, 200)


def test_a_missing_extra_is_named_before_any_work(tmp_path, alpaca_file, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "trl" else real(name, *a))
    result = _train("--base", "smollm2", "--data", alpaca_file, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "mentalbench train needs the 'trl' package: pip install 'mentalbench[train]'" in (
        result.output)
    assert not (tmp_path / "o").exists()
