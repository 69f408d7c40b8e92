"""The mentalgpt preset is the paper's Table 3, and every setting has a flag of the same name."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner
from mentalbench_train.presets import PRESETS, TrainConfig, flag, resolve_config

from mentalbench.cli import cli
from mentalbench.errors import InputError


def test_mentalgpt_preset_is_table_3():
    p = PRESETS["mentalgpt"]
    assert (p.epochs, p.batch_size, p.batch_size * p.grad_accum, p.learning_rate,
            p.weight_decay, p.max_grad_norm, p.warmup_ratio) == (5, 8, 64, 2e-4, 0.01, 0.3, 0.03)
    assert (p.source_max_len, p.target_max_len) == (512, 1024)
    assert (p.load_in_4bit, p.quant_type, p.double_quant, p.compute_dtype) == (
        True, "nf4", True, "bfloat16")
    assert (p.lora_r, p.lora_alpha, p.lora_dropout, p.lora_targets, p.optim) == (
        64, 16, 0.1, "all-linear", "paged_adamw_32bit")


def test_every_setting_is_a_flag():
    help_text = CliRunner().invoke(cli, ["train", "--help"], terminal_width=200).output
    for f in dataclasses.fields(TrainConfig):
        assert f"--{flag(f.name)}" in help_text


def test_overrides_replace_only_what_is_given():
    config = resolve_config("mentalgpt", {"learning_rate": 1e-3, "lora_r": None,
                                          "load_in_4bit": False})
    assert (config.learning_rate, config.lora_r, config.load_in_4bit) == (1e-3, 64, False)


@pytest.mark.parametrize("overrides, message", [
    ({"batch_size": 0}, r"--batch-size 0: expected an integer >= 1"),
    ({"eval_fraction": 1.0}, r"--eval-fraction 1.0: expected a number in \[0, 1\)"),
    ({"quant_type": "int3"}, r"--quant-type 'int3': expected nf4 or fp4"),
    ({"packing": True, "padding_free": False}, r"--packing needs --padding-free"),
])
def test_impossible_settings_are_refused(overrides, message):
    with pytest.raises(InputError, match=message):
        resolve_config("mentalgpt", overrides)


def test_unknown_preset():
    with pytest.raises(InputError, match="--preset 'qlora': expected one of mentalgpt"):
        resolve_config("qlora", {})
