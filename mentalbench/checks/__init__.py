"""Deterministic answer checks: the Check base class and helpers to find and run checks."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InputError
from ..records.base import CheckResult, Question
from .base import STATUSES, Check

__all__ = ["STATUSES", "Check", "CheckResult", "resolve_checks", "run_checks"]


def resolve_checks(names: Iterable[str] | None = None, opt_in: bool = False) -> list[Check]:
    """The registered checks named (names or aliases), or all of them (those with
    default=False only with opt_in), once each, by name."""
    from ..plugins.registry import get_registry

    registry = get_registry()
    table = registry.checks
    if not names:
        unique = {check.name: check for check in table.values() if check.default or opt_in}
        return [unique[n] for n in sorted(unique)]
    out: dict[str, Check] = {}
    for name in names:
        check = registry.check(name)  # a name two plugins registered is an error naming both
        if check is None:
            from ..inputs.suggest import did_you_mean

            raise InputError(f"unknown check {name!r}{did_you_mean(name, table)}: expected "
                             "one of "
                             f"{', '.join(sorted(table)) or 'none (no check is registered)'}")
        out.setdefault(check.name, check)
    return list(out.values())


def run_checks(checks: Iterable[Check], question: Question, answer: str) -> dict[str, CheckResult]:
    """Each check's verdict on one answer, by check name."""
    return {check.name: check.run(question, answer) for check in checks}
