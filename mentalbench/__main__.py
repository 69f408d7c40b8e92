"""`python -m mentalbench`: the command line, guarded so that spawned workers can import it."""

from .cli import cli

# vLLM (and torch's multiprocessing) start workers that import the main module again under
# another name; without the guard each worker would run the command once more.
if __name__ == "__main__":
    cli()
