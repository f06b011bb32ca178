"""Exposure's two walks give one answer: layers of a few steps walked in plain Python, bigger ones with numpy,
and a walk that starts in Python and goes on with numpy; reach's layers against a plain breadth-first search."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from graphsvc.analytics import exposure as module
from graphsvc.analytics.adjacency import Adjacency
from graphsvc.analytics.exposure import exposure, prepare, reach
from graphsvc.profiles import ExposureSettings

AS_OF = dt.date(2024, 6, 30)
SETTINGS = ExposureSettings(role_weight={"shareholder": 0.9, "director": 0.7}, decay=0.6)
ROLES = ("legal_representative", "shareholder", "director", "supervisor", "senior_manager", "branch_of")


def _world(seed: int, n: int = 60) -> tuple[Adjacency, pa.Table]:
    """A random graph with a few hubs, parallel edges, self-loops, zero and missing ratios, and entries of
    every severity (red-list ones too)."""
    rng = random.Random(seed)
    ids = [f"S{rng.randrange(10**6):06d}-{i}" for i in range(n)]
    hubs = ids[:3]
    source, target, role, ratio = [], [], [], []
    for _ in range(n * 3):
        a = rng.choice(hubs) if rng.random() < 0.3 else rng.choice(ids)
        b = rng.choice(ids) if rng.random() < 0.97 else a  # now and then a self-loop
        r = rng.choice(ROLES)
        source.append(a)
        target.append(b)
        role.append(r)
        ratio.append(rng.choice([None, 0.0, 12.5, 50.0, 100.0]) if r == "shareholder" else None)
    roles = pa.table(
        {
            "source_id": source,
            "role": role,
            "target_id": target,
            "ratio": pa.array(ratio, pa.float64()),
            "valid_from": pa.array([dt.date(2020, 1, 1) if rng.random() < 0.5 else None for _ in source]),
            "valid_to": pa.array([None] * len(source), pa.date32()),
        }
    )
    subjects = pa.table({"subject_id": ids, "kind": ["enterprise"] * n, "name": [f"名{i}" for i in range(n)]})
    graph = Adjacency.build(subjects, roles, AS_OF)
    owners = [rng.choice(ids) for _ in range(n)]
    entries = pa.table(
        {
            "entry_id": [f"E{i:03d}" for i in range(len(owners))],
            "subject_id": owners,
            "list_type": [rng.choice(["black", "focus", "red"]) for _ in owners],
            "severity": [rng.choice([None, "general", "fairly_serious", "serious"]) for _ in owners],
            "act_date": [dt.date(2024, 1, 1 + i % 28) for i in range(len(owners))],
        }
    )
    return graph, entries


def _answers(graph: Adjacency, entries: pa.Table, options: list[dict[str, Any]]) -> list[Any]:
    subjects = list(graph.ids)
    return [exposure(graph, entries, subject, settings=SETTINGS, **o) for subject in subjects for o in options]


OPTIONS: list[dict[str, Any]] = [
    {"k": 1},
    {"k": 2},
    {"k": 3, "limit": 5},
    {"k": 4, "expand_cap": 3},
    {"k": 2, "roles": ["shareholder", "director"]},
    {"k": 3, "roles": ["shareholder"], "expand_cap": 2},
]


@pytest.mark.parametrize("seed", range(4))
def test_the_python_walk_the_numpy_walk_and_a_walk_that_switches_answer_alike(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, entries = _world(seed)
    small = _answers(graph, entries, OPTIONS)  # the graph is small: layers walked in Python
    monkeypatch.setattr(module, "_SMALL_LAST", 0)  # the last layer weighs every step, in Python or numpy
    assert _answers(graph, entries, OPTIONS) == small
    monkeypatch.setattr(module, "_SMALL_LAYER", 0)  # every layer with numpy
    assert _answers(graph, entries, OPTIONS) == small
    monkeypatch.setattr(module, "_SMALL_LAYER", 6)  # Python first, numpy from the first layer of over 6 steps
    assert _answers(graph, entries, OPTIONS) == small
    monkeypatch.setattr(module, "_SMALL_LAST", 6)
    assert _answers(graph, entries, OPTIONS) == small
    prepare(graph, entries, SETTINGS)  # every step weight made ahead (a service), not per walk (a command)
    assert _answers(graph, entries, OPTIONS) == small
    monkeypatch.setattr(module, "_SMALL_LAYER", 10**6)
    monkeypatch.setattr(module, "_SMALL_LAST", 10**6)
    assert _answers(graph, entries, OPTIONS) == small
    assert any(not a["complete"] for a in small) and any(a["count"] for a in small)  # caps were hit, items found


@pytest.mark.parametrize("limit", [1, 5, 40])
def test_the_node_budget_cuts_both_walks_alike(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, entries = _world(7)
    monkeypatch.setattr(module, "MAX_VISITED", limit)
    small = _answers(graph, entries, OPTIONS[:4])
    monkeypatch.setattr(module, "_SMALL_LAST", 0)
    assert _answers(graph, entries, OPTIONS[:4]) == small
    monkeypatch.setattr(module, "_SMALL_LAYER", 0)
    assert _answers(graph, entries, OPTIONS[:4]) == small
    assert any(a["truncated"] for a in small)


def _layers(graph: Adjacency, start: int, k: int) -> list[list[int]]:
    """The nodes at each distance 1..k, by a plain breadth-first search over the role edges either way."""
    neighbours: dict[int, set[int]] = {}
    for a, b in zip(graph.source.tolist(), graph.target.tolist(), strict=True):
        if a != b:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
    seen, layer, out = {start}, [start], []
    for _ in range(k):
        new = {o for n in layer for o in neighbours.get(n, ())} - seen
        seen |= new
        layer = sorted(new)
        out.append(layer)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_reach_layers_are_a_breadth_first_search(seed: int) -> None:
    graph, _ = _world(seed, n=200)
    for start in range(0, len(graph.ids), 7):
        for k in (1, 2, 3, 4):
            found = reach(graph, graph.ids[start], k=k, expand_cap=10**6)
            by_layer = [found.nodes[found.distance == d].tolist() for d in range(1, k + 1)]
            assert by_layer == [layer for layer in _layers(graph, start, k)]  # each layer in node order
            assert found.nodes[0] == start and not found.capped and not found.truncated


def _reaches(graph: Adjacency) -> list[tuple[list[int], list[int], dict[int, int], bool]]:
    out = []
    for subject in list(graph.ids)[::3]:
        for o in OPTIONS:
            found = reach(graph, subject, **{key: v for key, v in o.items() if key != "limit"})
            out.append((found.nodes.tolist(), found.distance.tolist(), found.capped, found.truncated))
    return out


@pytest.mark.parametrize("budget", [None, 1, 30])
def test_reach_in_python_with_numpy_and_switching_answer_alike(
    budget: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, _ = _world(5, n=120)
    if budget is not None:
        monkeypatch.setattr(module, "MAX_VISITED", budget)
    small = _reaches(graph)
    for nodes, steps in ((0, 4096), (3, 4096), (48, 10), (10**6, 10**6)):
        monkeypatch.setattr(module, "_SMALL_REACH_NODES", nodes)
        monkeypatch.setattr(module, "_SMALL_LAST", steps)
        assert _reaches(graph) == small
    assert any(capped for _, _, capped, _ in small)
    assert any(truncated for *_, truncated in small) == (budget is not None)


def test_distinct_nodes_sorted_either_way() -> None:
    rng = np.random.default_rng(3)
    flags = np.zeros(1000, dtype=np.bool_)
    for size in (0, 1, 2, 5, 31, 32, 33, 200, 5000):  # sorted below len(flags) / 32 values, flagged above
        values = rng.integers(0, len(flags), size).astype(np.int32)
        assert module._distinct(values, flags).tolist() == sorted(set(values.tolist()))
        assert not flags.any()  # left cleared
