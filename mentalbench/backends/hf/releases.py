"""The transformers releases the hf backend's static engine was checked with."""

from __future__ import annotations

#: The transformers releases (major.minor, inclusive) this engine was checked against; outside
#: them `engine=auto` uses transformers' own `generate` and `engine=static` is refused. Widen it
#: only after the engine tests pass on the CPU and tests/backends/hf/test_gpu.py on a GPU with the new
#: release (docs/development.md, "A new transformers release").
TRANSFORMERS_SUPPORTED = ((5, 17), (5, 25))


def supported_range() -> str:
    """The checked transformers releases as a pip requirement, e.g. 'transformers>=5.17,<5.26'."""
    (lo_major, lo_minor), (hi_major, hi_minor) = TRANSFORMERS_SUPPORTED
    return f"transformers>={lo_major}.{lo_minor},<{hi_major}.{hi_minor + 1}"


def installed_version() -> str:
    import transformers

    return transformers.__version__


def version_unsupported(version: str) -> str | None:
    """Why this transformers version is outside the engine's checked range (None when inside)."""
    try:
        major_minor = tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        return f"transformers {version} (unparsed version)"
    low, high = TRANSFORMERS_SUPPORTED
    if low <= major_minor <= high:
        return None
    return (f"transformers {version}: the static engine supports "
            f"{low[0]}.{low[1]} to {high[0]}.{high[1]}")
