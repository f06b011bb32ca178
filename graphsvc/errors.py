"""Typed errors. Each says what is wrong and what to do about it (design.md §10)."""

from __future__ import annotations

from dataclasses import dataclass


class GraphsvcError(Exception):
    """Base class: the CLI prints the message and exits non-zero."""

    exit_code: int = 1


class ProfileError(GraphsvcError):
    """A jurisdiction profile is unknown or malformed."""


class StoreError(GraphsvcError):
    """The store cannot be opened or written."""


class ProtectedFacts(StoreError):
    """A load that may add facts of a table but not change stored ones would change them (nothing was written)."""

    def __init__(self, table: str, keys: list[str]) -> None:
        self.table = table
        self.keys = keys
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        super().__init__(
            f"this load would change {len(keys)} {table} already in the store ({shown}); nothing was written"
        )


class InputError(GraphsvcError):
    """A command-line argument or an input path is unusable."""

    exit_code = 2


class UnknownSubject(InputError):
    """A query names a subject the store does not hold."""


def located(file: str, row: int | None, pointer: str | None, column: str | None, value: str | None, text: str) -> str:
    """``file, row N, column C: value 'V': text``, or the JSON pointer in place of the row: how every problem
    and warning of a load names the place in the input."""
    where = file
    if pointer is not None:
        where += f" {pointer}"
    elif row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column {column}"
    shown = "" if value is None else f" value {value!r}:"
    return f"{where}:{shown} {text}"


@dataclass(frozen=True)
class Problem:
    """One invalid value in an input file: the loader reports every one of them at once."""

    file: str
    row: int | None  # 1-based line number with the header as line 1; None for file-level problems
    column: str | None
    value: str | None
    reason: str
    pointer: str | None = None  # JSON pointer into a JSON input (FtM, BODS), where rows are not lines

    def __str__(self) -> str:
        return located(self.file, self.row, self.pointer, self.column, self.value, self.reason)


class LoadRejected(GraphsvcError):
    """The input has problems; nothing was loaded (all-or-nothing)."""

    def __init__(self, problems: list[Problem], note: str = "") -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s) in the input; nothing was loaded"
        super().__init__(head + (f" ({note})" if note else ""))
