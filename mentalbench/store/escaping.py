"""Names made safe for where they are shown: terminals and CSV files (one writer for every CSV)."""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 control characters and DEL, except newline and tab (layout, not commands).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: A cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def terminal_text(text: str) -> str:
    """`text` with control characters shown as escapes ('\\x1b'), so none reaches the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_text(frame: Any, **options: Any) -> str:
    """A DataFrame as CSV text, every text cell escaped (the one CSV writer of mentalbench)."""
    import pandas as pd

    safe = frame.copy()
    for col in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(csv_cell)
    safe.columns = [csv_cell(c) if isinstance(c, str) else c for c in safe.columns]
    return safe.to_csv(index=False, **options)


def terminal_frame(frame: Any) -> Any:
    """A copy of a DataFrame with every text cell made terminal-safe, for to_string()."""
    import pandas as pd

    safe = frame.copy()
    for col in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(lambda v: terminal_text(v) if isinstance(v, str) else v)
    return safe
