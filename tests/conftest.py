from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.engine import evaluate
from graphsvc.profiles import load_profile
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.scenario import Scenario

Derive = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path / "store.duckdb") as s:
        yield s


@pytest.fixture
def derive(tmp_path: Path) -> Derive:
    """Load a scenario into a fresh store and return the derived records for a profile and date."""
    counter = iter(range(1_000_000))

    def run(scenario: Scenario, profile: str = "default", as_of: str = "2024-06-30") -> list[dict[str, Any]]:
        n = next(counter)
        directory = scenario.write(tmp_path / f"in{n}")
        with EmbeddedStore(tmp_path / f"derive{n}.duckdb") as s:
            load_directory(directory, s)
            result = evaluate(s, load_profile(profile), dt.date.fromisoformat(as_of))
        return list(result.records.to_pylist())

    return run


def reached(
    records: list[dict[str, Any]], rule: str, effect: str | None = None
) -> set[tuple[str, str | None]]:
    """(subject_id, related_id) pairs of one rule's records."""
    return {
        (r["subject_id"], r["related_id"])
        for r in records
        if r["rule"] == rule and (effect is None or r["effect"] == effect)
    }


def subjects_of(records: list[dict[str, Any]], rule: str, effect: str | None = None) -> set[str]:
    return {s for s, _ in reached(records, rule, effect)}
