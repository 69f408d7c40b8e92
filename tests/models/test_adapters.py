"""Adapter folders and adapter-wrapped models are recognised the same way everywhere."""

from __future__ import annotations

import types

import pytest

from mentalbench.errors import InputError
from mentalbench.models.adapters import (
    ADAPTER_CONFIG,
    base_model,
    is_adapter_dir,
    require_adapter_dir,
)


def test_a_folder_is_an_adapter_when_it_holds_the_config(tmp_path):
    assert not is_adapter_dir(tmp_path)
    assert not is_adapter_dir(tmp_path / "missing")
    (tmp_path / ADAPTER_CONFIG).write_text("{}")
    assert is_adapter_dir(tmp_path) and is_adapter_dir(str(tmp_path))
    assert require_adapter_dir(str(tmp_path), "x") == tmp_path


def test_a_folder_without_the_config_is_refused_with_the_callers_label(tmp_path):
    with pytest.raises(InputError) as err:
        require_adapter_dir(tmp_path, "option adapter='a'")
    assert str(err.value) == "option adapter='a': expected a folder with adapter_config.json"


def test_base_model_unwraps_a_peft_wrapper_and_passes_anything_else_through():
    inner = types.SimpleNamespace(config="cfg")
    wrapped = types.SimpleNamespace(get_base_model=lambda: inner)
    assert base_model(wrapped) is inner
    assert base_model(inner) is inner
