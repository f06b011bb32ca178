"""The embedded store's one-statement evaluation (graphsvc/stores/embedded_rules.py): a rule evaluated alone reads
only what its shape needs and answers exactly as it does among all the profile's rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graphsvc.context import build_context
from graphsvc.engine import evaluate
from graphsvc.profiles import PROFILE_NAMES, Profile, load_profile
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.embedded_rules import _LISTED_ROLES, evaluation_sql

AS_OF = dt.date(2026, 6, 30)


def _alone(profile: Profile, rule: str) -> Profile:
    return Profile.model_validate(
        {**profile.model_dump(), "rules": {k: v for k, v in profile.rules.items() if k == rule}}
    )


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=repr)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_each_rule_alone_answers_as_among_all_rules(generated_store: Path, name: str) -> None:
    profile = load_profile(name)
    with EmbeddedStore(generated_store, read_only=True) as store:
        together = evaluate(store, profile, AS_OF, persist=False).records.to_pylist()
        assert together, "the generated data should derive records under every profile"
        alone: list[dict[str, Any]] = []
        for rule in profile.rules:
            records = evaluate(store, _alone(profile, rule), AS_OF, persist=False).records.to_pylist()
            assert all(r["rule"] == rule for r in records)
            alone += records
    assert _sorted(alone) == _sorted(together)
    assert [r["rule"] for r in together] == sorted(r["rule"] for r in together)


def test_a_rule_that_reaches_no_one_reads_no_roles_and_no_subjects(generated_store: Path) -> None:
    profile = load_profile("default")
    with EmbeddedStore(generated_store, read_only=True) as store:
        for rule_id in profile.rules:
            context = build_context(_alone(profile, rule_id), AS_OF)
            sql, params = evaluation_sql(context)
            params["known_at"] = dt.datetime(9999, 12, 31)
            plan = "\n".join(str(row[1]) for row in store._con.execute("EXPLAIN " + sql, params).fetchall())
            one_hop = context.rules[0].shape in _LISTED_ROLES
            # the kinds its trigger tests and the roles it follows: one-hop shapes only (the names come after)
            assert ("subjects" in plan) == one_hop, rule_id
            assert ("roles" in plan) == one_hop, rule_id
            assert ("near AS" in sql) == one_hop, rule_id
