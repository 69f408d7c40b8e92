"""mentalbench-train: QLoRA fine-tuning with MentalGPT's settings, adapters the benchmark can load."""

from .datasets import Example, check_examples, load_examples
from .presets import PRESETS, TrainConfig

__version__ = "0.1.0"

__all__ = ["PRESETS", "Example", "TrainConfig", "check_examples", "load_examples"]
