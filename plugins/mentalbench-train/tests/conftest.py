"""Fixtures for the training plugin's tests: data files, a tiny random model, a rating judge double."""

from __future__ import annotations

import json
import os
import re
import types
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
# Installed plugins stay out of the suite (see tests/conftest.py); this package's own two are
# registered by hand below, so its tests pass whether or not it is installed.
os.environ["MENTALBENCH_LOAD_PLUGINS"] = ""


def _register_this_packages_plugins() -> None:
    """Register the `train` and `data` plugins like installed ones; add their commands."""
    import sys

    import mentalbench_train.data.plugin as data_plugin
    import mentalbench_train.plugin as train_plugin

    from mentalbench.plugins.loading import load_plugins, pm

    load_plugins()
    for module in (train_plugin, data_plugin):
        if pm.get_plugin(module.__name__) is None:
            pm.register(module, name=module.__name__)
    if "mentalbench.cli" in sys.modules:  # imported before: add the commands it missed
        from mentalbench.cli import cli

        for module, name in ((train_plugin, "train"), (data_plugin, "data")):
            if name not in cli.commands:
                module.register_commands(cli=cli)


_register_this_packages_plugins()

QUESTIONS = [
    "I cannot sleep because I keep worrying about work.",
    "My mother has dementia and caring for her leaves me exhausted.",
    "Since moving to a new city I feel lonely every evening.",
    "Before every exam my heart races and I cannot think.",
    "My partner and I argue about small things every day.",
    "I lost my job last month and I feel worthless.",
]
ANSWER = ("Breathe slowly with me. What you feel makes sense, and you are not alone. "
          "Let us find one small step for today.")


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def alpaca_file(tmp_path) -> Path:
    """Rows as the data-pipeline commands write them: instruction/output plus metadata keys."""
    rows = [{"instruction": q, "output": ANSWER, "topic": "stress", "source": "test"}
            for q in QUESTIONS * 4]
    return write_jsonl(tmp_path / "train.jsonl", rows)


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    from mentalbench.backends.embedded import ensure_smollm2

    return ensure_smollm2()


#: A chat layout in the ChatML style (role headers between start and end markers).
TINY_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def tiny_tokenizer():
    """A byte-level BPE tokenizer of 400 tokens, trained here on the fixtures' own sentences."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator([*QUESTIONS, ANSWER, "You are a caring counselor. Be kind."], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|endoftext|>",
                                   bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   chat_template=TINY_TEMPLATE)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer random Llama with a tiny local tokenizer (nothing downloaded; loads in a second)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = tiny_tokenizer()
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def rating_judge():
    """Register the judge double as a plugin (id `rating-judge`), unregister afterwards."""
    from mentalbench import hookimpl
    from mentalbench.models.base import Model
    from mentalbench.plugins.loading import load_plugins, pm
    from mentalbench.plugins.registry import get_registry
    from mentalbench.records.base import Completion, Usage

    class RatingJudge(Model):
        """Rates every metric the rubric asks for with [[5]]."""

        def generate(self, requests, progress=None):
            out = []
            for r in requests:
                names = re.findall(r"^(.+): \[\[rating\]\]$", r.messages[-1]["content"], re.M)
                out.append(Completion("Fair.\n" + "\n".join(f"{n}: [[5]]" for n in names),
                                      Usage(10, 10)))
                if progress:
                    progress(1)
            return out

    plugin = types.ModuleType("rating_judge_plugin")  # a module, as pluggy's subset calls need
    plugin.register_models = hookimpl(
        lambda register: register("rating-judge", RatingJudge, description="test double"))
    load_plugins()
    pm.register(plugin, name="rating-judge-plugin")
    get_registry(refresh=True)
    yield "rating-judge"
    pm.unregister(name="rating-judge-plugin")
    get_registry(refresh=True)


@pytest.fixture
def scripted():
    """The data pipeline's scripted model plugin, registered like a real one."""
    import data_doubles as doubles

    from mentalbench.plugins.loading import load_plugins, pm
    from mentalbench.plugins.registry import get_registry

    load_plugins()
    pm.register(doubles, name="data-doubles")
    doubles.SCRIPT.reset()
    get_registry(refresh=True)
    yield doubles.SCRIPT
    pm.unregister(name="data-doubles")
    get_registry(refresh=True)


@pytest.fixture(autouse=True)
def forget_remembered_secrets():
    """Keys are remembered for masking for the rest of a process: one test's key ("x") must
    not mask another test's text."""
    from mentalbench.models import secrets

    known = set(secrets._known)
    yield
    secrets._known.clear()
    secrets._known.update(known)
