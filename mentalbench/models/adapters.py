"""LoRA adapter folders and adapter-wrapped models: how they are recognised, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError

#: The file peft writes into every adapter folder; its presence is what makes one.
ADAPTER_CONFIG = "adapter_config.json"


def is_adapter_dir(path: str | Path) -> bool:
    """Whether `path` is a folder holding a peft adapter."""
    return (Path(path) / ADAPTER_CONFIG).is_file()


def require_adapter_dir(path: str | Path, label: str) -> Path:
    """`path` as a Path if it holds an adapter; else an InputError starting with `label`."""
    if not is_adapter_dir(path):
        raise InputError(f"{label}: expected a folder with {ADAPTER_CONFIG}")
    return Path(path)


def base_model(model: Any) -> Any:
    """The transformers model inside a peft wrapper, or `model` itself when it is not wrapped."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model
