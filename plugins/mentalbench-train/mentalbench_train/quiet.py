"""The training libraries' known, harmless noise, silenced for the length of a training run only."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

#: (message regex, category, module regex) of each warning silenced, and why it is harmless.
KNOWN_WARNINGS: tuple[tuple[str, type[Warning], str], ...] = (
    # bitsandbytes has no paged optimizer on a CPU and runs the same AdamW maths unpaged;
    # paging only spares GPU memory spikes, so nothing about the result changes.
    (r"Paged optimizers are not supported on CPU", UserWarning, r"bitsandbytes\.optim"),
    # peft reads the old names of transformers' checkpointing switches; transformers forwards
    # them to the new ones (activation_checkpointing...) with the same effect until v6.
    (r"`is_gradient_checkpointing` is deprecated", FutureWarning, r"transformers\.modeling_utils"),
    (r"`gradient_checkpointing_enable` is deprecated", FutureWarning,
     r"transformers\.modeling_utils"),
    # --liger asks trl for Liger's layer kernels on purpose; trl's suggested replacement fetches
    # kernels from the Hugging Face Hub, which mentalbench never assumes it can reach.
    (r"`use_liger_kernel=True` is deprecated", FutureWarning, r"mentalbench_train\."),
)

#: Log records silenced: (logger name, message prefix). bitsandbytes tries, on CPUs with
#: AVX512-BF16, to fetch a faster 4-bit kernel from the Hub through the `kernels` package; when
#: it cannot (no package, no Hub) it keeps its own CPU kernel, which computes the same result.
KNOWN_LOG_RECORDS: tuple[tuple[str, str], ...] = (
    ("bitsandbytes.backends.cpu.ops", "Failed to load CPU gemm_4bit_forward"),
)


class _DropKnown(logging.Filter):
    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


@contextlib.contextmanager
def training_noise_silenced() -> Iterator[None]:
    """Silence KNOWN_WARNINGS, KNOWN_LOG_RECORDS and transformers' progress bars; restore after."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    filters = [(logging.getLogger(name), _DropKnown(prefix)) for name, prefix in KNOWN_LOG_RECORDS]
    with warnings.catch_warnings():
        for message, category, module in KNOWN_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=category, module=module)
        for logger, drop in filters:
            logger.addFilter(drop)
        # Loading and saving bars would interleave with the one progress line per step.
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            if bars:
                hf_logging.enable_progress_bar()
            for logger, drop in filters:
                logger.removeFilter(drop)
