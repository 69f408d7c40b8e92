"""SQLite tables declared by a frozen record: DDL, named inserts and selects from its fields."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields

_SQL_TYPES = {str: ("TEXT", "''"), int: ("INTEGER", "0"), float: ("REAL", "0")}


@dataclass(frozen=True)
class Column:
    """One column of a declared table: its name, SQL type and default."""

    name: str
    sql_type: str  # TEXT | INTEGER | REAL
    default: str  # as SQL text

    @property
    def ddl(self) -> str:
        return f"{self.name} {self.sql_type} NOT NULL DEFAULT {self.default}"


def columns(cls: type, only: Sequence[str] | None = None) -> tuple[Column, ...]:
    """The columns of a record class's plain fields (str, int, float), in declaration order."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        if only is not None and f.name not in only:
            continue
        kind = hints[f.name]
        if kind not in _SQL_TYPES:
            raise TypeError(f"{cls.__name__}.{f.name}: {kind} has no SQL column type")
        sql_type, default = _SQL_TYPES[kind]
        if f.default is not MISSING and f.default not in ("", 0):
            default = f"'{f.default}'" if isinstance(f.default, str) else str(f.default)
        out.append(Column(f.name, sql_type, default))
    return tuple(out)


@dataclass(frozen=True)
class Table:
    """A table whose columns are a primary key, declared columns, then more of its own."""

    name: str
    key: str
    declared: tuple[Column, ...]
    extra: tuple[Column, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, *(c.name for c in self.declared), *(c.name for c in self.extra))

    def create(self) -> str:
        cols = [f"{self.key} TEXT PRIMARY KEY", *(c.ddl for c in (*self.declared, *self.extra))]
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n    " + ",\n    ".join(cols) + ")"

    def insert(self, verb: str = "INSERT OR REPLACE") -> str:
        """A named-parameter insert of every column (`:name` for each)."""
        return (f"{verb} INTO {self.name} ({', '.join(self.names)}) "
                f"VALUES ({', '.join(':' + n for n in self.names)})")

    def select(self, where: str = "", order: str = "") -> str:
        sql = f"SELECT {', '.join(self.names)} FROM {self.name}"
        return sql + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else "")
