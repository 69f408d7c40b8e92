"""The `mentalbench train` command group, added to the host's command line by register_commands."""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from pathlib import Path

import click

from mentalbench.api import hookimpl

from .presets import PRESETS, TrainConfig, flag, resolve_config

_TYPES = {int: int, float: float, str: str}


def _setting_options(func):
    """One flag per TrainConfig field, defaulting to the preset's value (shown in --help)."""
    hints = typing.get_type_hints(TrainConfig)
    preset = PRESETS["mentalgpt"]
    for f in reversed(dataclasses.fields(TrainConfig)):
        hint = hints[f.name]
        kind = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
        default = getattr(preset, f.name)
        shown = "" if default is None else f" [mentalgpt: {default}]"
        name = flag(f.name)
        if kind is bool:
            decl = f"--{name}/--no-{name}"
            func = click.option(decl, f.name, default=None, help=f.metadata["help"] + shown)(func)
        else:
            func = click.option(f"--{name}", f.name, type=_TYPES[kind], default=None,
                                help=f.metadata["help"] + shown)(func)
    return func


@click.group(invoke_without_command=True, context_settings={"max_content_width": 100})
@click.option("--base", "-b", "base", metavar="MODEL",
              help="Base model id: smollm2, hf:<folder or hub id> (see `mentalbench models`).")
@click.option("--data", "-d", "data", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Training data (JSONL, JSON or CSV); repeat to mix several files.")
@click.option("--mix", "mix_weights", metavar="W1,W2,...",
              help="Relative weight of each --data file; smaller shares are repeated, none dropped.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Adapter folder to write (re-running the same command resumes it).")
@click.option("--preset", default="mentalgpt", show_default=True,
              help="Settings to start from: " + ", ".join(sorted(PRESETS)) + ".")
@_setting_options
@click.pass_context
def train(ctx, base, data, mix_weights, out, preset, **settings):
    """Fine-tune a model with QLoRA on counseling data; write a LoRA adapter and its manifest.

    Defaults are MentalGPT's settings (Table 3); every one has a flag. Load the result with
    `mentalbench run --model BASE --model-opt adapter=OUT`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from mentalbench.api import InputError

    from .mixing import parse_weights
    from .trainer import plan_training
    from .trainer import train as run_training

    missing = [name for name, value in (("--base", base), ("--data", data), ("--out", out))
               if not value]
    if missing:
        raise InputError(f"mentalbench train: missing {', '.join(missing)} "
                         "(see mentalbench train --help)")
    config = resolve_config(preset, settings)
    # Batches of changing length fragment CUDA's caching allocator; growable segments keep the
    # reserved memory near what is in use (benchmarks/RESULTS.md). Read at CUDA's first use.
    os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")
    plan = plan_training(base, data, out, config, preset, parse_weights(mix_weights, len(data)))
    try:
        record = run_training(plan, say=lambda m: click.echo(m, err=True))
    except KeyboardInterrupt:
        click.echo(f"Interrupted: checkpoints are kept in {out}; run the same command again to "
                   "resume.", err=True)
        sys.exit(130)
    if record:
        r = record["results"]
        click.echo(f"Adapter: {out} ({r['steps']} steps; loss {_num(r['first_loss'])} -> "
                   f"{_num(r['final_loss'])}; eval loss {_num(r['eval_loss'])})")


def _num(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"


@train.command(name="merge")
@click.argument("adapter", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the merged model (must not exist or be empty).")
@click.option("--base", "-b", metavar="MODEL",
              help="Base model id (default: the one in the adapter's manifest.json).")
@click.option("--dtype", default="bfloat16", show_default=True,
              type=click.Choice(["bfloat16", "float16", "float32"]),
              help="Weight dtype of the merged model.")
def merge_command(adapter, out, base, dtype):
    """Merge an adapter into its base model and save a full model folder (e.g. for vLLM)."""
    from .merge import merge

    merge(adapter, out, base, dtype)
    click.echo(f"Merged model: {out} (serve it as hf:{out} or vllm:{out})")


@hookimpl
def register_commands(cli):
    cli.add_command(train)
