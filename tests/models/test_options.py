"""Options: `k=v` strings coerced to typed, frozen records; clear errors; secrets kept out."""

from __future__ import annotations

import dataclasses
import re

import pytest

from mentalbench.errors import InputError
from mentalbench.models.options import (
    GenerationOptions,
    build_options,
    options_dict,
    parse_pairs,
    split_judge_options,
)
from mentalbench.models.secrets import mask_argv, mask_options, mask_text, remember


@dataclasses.dataclass(frozen=True)
class Opts(GenerationOptions):
    """A backend's options, with one field of each kind the coercion handles."""

    load_in_4bit: bool = False
    batch_size: int | None = None
    dtype: str = "auto"
    api_key: str | None = None


def test_defaults_when_nothing_given():
    opts = build_options(Opts, {}, "m")
    assert opts == Opts()
    assert (opts.max_new_tokens, opts.temperature, opts.system_prompt) == (1024, 1.0, None)


def test_strings_become_typed_values():
    opts = build_options(Opts, {"max_new_tokens": "64", "temperature": "0", "top_p": "0.9",
                                "seed": "-1", "load_in_4bit": "true", "batch_size": "16",
                                "dtype": "bfloat16", "system_prompt": "Be kind."}, "m")
    assert opts.max_new_tokens == 64 and type(opts.max_new_tokens) is int
    assert opts.temperature == 0.0 and type(opts.temperature) is float
    assert (opts.top_p, opts.seed, opts.load_in_4bit, opts.batch_size, opts.dtype,
            opts.system_prompt) == (0.9, -1, True, 16, "bfloat16", "Be kind.")


@pytest.mark.parametrize("text, value", [
    ("1", True), ("true", True), ("True", True), ("YES", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_bool_words(text, value):
    assert build_options(Opts, {"load_in_4bit": text}, "m").load_in_4bit is value


@pytest.mark.parametrize("text", ["none", "None", "null", ""])
def test_none_for_optional_fields(text):
    opts = build_options(Opts, {"batch_size": text, "system_prompt": text}, "m")
    assert opts.batch_size is None and opts.system_prompt is None


def test_empty_string_for_a_required_str_stays_a_string():
    assert build_options(Opts, {"dtype": ""}, "m").dtype == ""


def test_values_that_are_not_strings_pass_through():
    opts = build_options(Opts, {"temperature": 0.5, "load_in_4bit": True, "batch_size": 3}, "m")
    assert (opts.temperature, opts.load_in_4bit, opts.batch_size) == (0.5, True, 3)


@pytest.mark.parametrize("name, text, expected", [
    ("load_in_4bit", "maybe", "expected bool"),
    ("max_new_tokens", "lots", "expected int"),
    ("max_new_tokens", "6.5", "expected int"),
    ("batch_size", "big", "expected int"),
    ("temperature", "warm", "expected float"),
])
def test_bad_values_name_option_value_owner_and_type(name, text, expected):
    with pytest.raises(InputError) as err:
        build_options(Opts, {name: text}, "hf:./model")
    assert str(err.value) == f"option {name}={text!r} for hf:./model: {expected}"


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(InputError) as err:
        build_options(Opts, {"temprature": "0"}, "smollm2")
    message = str(err.value)
    assert message.startswith("unknown option 'temprature' for smollm2: expected one of ")
    listed = message.split("expected one of ")[1].split(", ")
    assert listed == sorted(f.name for f in dataclasses.fields(Opts))


@pytest.mark.parametrize("spellings", [
    ({"temperature": "0"}, {"temperature": "0.0"}, {"temperature": 0}, {"temperature": " 0 "}),
    ({"load_in_4bit": "yes"}, {"load_in_4bit": "true"}, {"load_in_4bit": "1"},
     {"load_in_4bit": True}),
    ({"batch_size": "none"}, {"batch_size": ""}, {}),
])
def test_spellings_of_one_value_give_one_cache_identity(spellings):
    """What hashing sees (options_dict) depends on the values, not on how they were typed."""
    dicts = [options_dict(build_options(Opts, given, "m")) for given in spellings]
    assert all(d == dicts[0] for d in dicts)
    assert options_dict(build_options(Opts, {"temperature": "0.5"}, "m")) != options_dict(
        build_options(Opts, {"temperature": "0"}, "m"))


# k=v pairs

def test_parse_pairs():
    assert parse_pairs(["a=1", " b = two words ", "c=", "url=http://x?a=b"], "--model-opt") == {
        "a": "1", "b": "two words", "c": "", "url": "http://x?a=b"}
    assert parse_pairs([], "--model-opt") == {}


def test_parse_pairs_later_value_wins():
    assert parse_pairs(["a=1", "a=2"], "--judge-opt") == {"a": "2"}


@pytest.mark.parametrize("pair", ["temperature", "=0", " =0", ""])
def test_parse_pairs_errors_name_the_flag_and_pair(pair):
    with pytest.raises(InputError) as err:
        parse_pairs(["ok=1", pair], "--judge-opt")
    assert str(err.value) == f"--judge-opt {pair!r}: expected key=value"


# secrets

def test_options_dict_leaves_secrets_out():
    opts = build_options(Opts, {"api_key": "sk-123", "seed": "4"}, "m")
    plain = options_dict(opts)
    assert "api_key" not in plain and plain["seed"] == 4
    assert "sk-123" not in repr(plain)


def test_mask_options_masks_secret_values_only():
    assert mask_options({"api_key": "sk-1", "access_token": "t", "temperature": "0",
                         "max_tokens": "5", "base_url": "http://u:pw@host/v1?key=abc&x=1"}) == {
        "api_key": "***", "access_token": "***", "temperature": "0", "max_tokens": "5",
        "base_url": "http://***@host/v1?key=***&x=***"}


def test_mask_argv_in_every_form():
    argv = ["mentalbench", "run", "--judge-opt", "api_key=sk-1", "--model-opt", "seed=3",
            "password=hunter2", "--judge-opt=api_key=sk-2", "--judge-opt", "gpt4.api_key=sk-3",
            "--judge-opt", "base_url=http://user:secret@host:1/v1"]
    assert mask_argv(argv) == ["mentalbench", "run", "--judge-opt", "api_key=***",
                               "--model-opt", "seed=3", "password=***",
                               "--judge-opt=api_key=***", "--judge-opt", "gpt4.api_key=***",
                               "--judge-opt", "base_url=http://***@host:1/v1"]


def test_remembered_secrets_are_masked_in_any_text():
    remember("sk-live-0123456789abcdef")
    assert mask_text("server said: bad key sk-live-0123456789abcdef!") == (
        "server said: bad key ***!")
    assert mask_text("echo sk-live-0123") == "echo ***"  # a long prefix of it too


@pytest.mark.parametrize("name, value, expected", [
    ("temperature", "-3", "expected a number >= 0.0 and <= 2.0"),
    ("top_p", "7", "expected a number > 0.0 and <= 1.0"),
    ("top_p", "0", "expected a number > 0.0 and <= 1.0"),
    ("max_new_tokens", "-5", "expected a number >= 1"),
    ("top_k", "-1", "expected a number >= 0"),
    ("temperature", "nan", "expected a number"),
])
def test_option_values_out_of_range_are_refused_before_any_call(name, value, expected):
    with pytest.raises(InputError, match=re.escape(f"option {name}=") + ".*" + re.escape(expected)):
        build_options(GenerationOptions, {name: value}, "openai:x")


def test_judge_options_split_by_prefix():
    split = split_judge_options({"temperature": "0", "gpt4.base_url": "http://a",
                                 "openai:gpt-4.1.model": "m", "gpt4.temperature": "1"},
                                ["gpt4", "openai:gpt-4.1"], {})
    assert split == {"gpt4": {"temperature": "1", "base_url": "http://a"},
                     "openai:gpt-4.1": {"temperature": "0", "model": "m"}}
    with pytest.raises(InputError, match="no judge 'gemini' in this run"):
        split_judge_options({"gemini.api_key": "x"}, ["gpt4"], {})
