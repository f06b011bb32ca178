"""Schemathesis against the app's OpenAPI schema with every check it has: no 5xx; every answer matches the schema
(status code, content type, headers, body); schema-valid requests are accepted and schema-violating ones
refused. Runs as an admin (everything reachable) and as the public (tiers refuse with problems), with data that
fits the schema (positive) and data that does not (negative).

Valid data may still be refused for what a schema cannot say: intake runs the loaders' validation (an unknown
subject, an impossible date order: 422), and some parameters depend on each other (date_from after date_to,
an appointment without enterprise_id: 400). So positive data may answer 400 and 422 besides the defaults; a 5xx
or an undocumented answer is a failure either way.

This in-process run serves the Neo4j store (the session's Bolt server). The embedded store is run the way it is
deployed, by ``graphsvc-api serve`` over HTTP, with every check and phase: tests/test_served_api.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from api.app import create_app
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.api_world import build_world, point_at, settings_for, write_keys
from tests.bolt_server import BoltServer
from tests.conftest import PARITY, empty_database

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]}
        }
    }
)


@pytest.fixture(scope="module")
def app_and_keys(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Any, int]]:
    """The app over the world on the Neo4j store, and how many examples per operation (few: every query on the
    Bolt server costs a tenth of a second)."""
    scenario, _world = build_world()
    root = tmp_path_factory.mktemp("schema")
    if not PARITY:
        pytest.skip("GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")
    server: BoltServer = request.getfixturevalue("bolt_server")
    empty_database(request.getfixturevalue("bolt_driver"), server)
    with pytest.MonkeyPatch.context() as env:
        point_at(server, env)
        with Neo4jStore(Neo4jSettings.from_env()) as neo:
            load_directory(scenario.write(root / "data"), neo)
        keys = write_keys(root / "keys.json")
        settings = dataclasses.replace(settings_for(root, root / "unused.duckdb", root / "keys.json"), store="neo4j")
        with TestClient(create_app(settings)) as client:
            yield client.app, keys, 15


def _free_text(schema: dict[str, Any]) -> bool:
    """Any text is a valid value: a string, or a list of strings, with no constraint (a department, a region)."""
    for option in schema.get("anyOf", [schema]):
        kind = option.get("type")
        if kind == "array":
            option = option.get("items", {})
            kind = option.get("type")
        if kind != "null" and (kind != "string" or set(option) - {"type", "title", "description"}):
            return False
    return True


def _valid_once_sent(case: Any) -> bool:
    """A negative case whose only broken parts are free-text query parameters: a query string carries every value
    as text (``false`` arrives as the department "false"), so what the server gets is valid. Schemathesis
    4.x still counts it as schema-violating for parameters that are ``anyOf`` a list of strings and null."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    location = getattr(data, "parameter_location", None)
    if data is None or location is None or location.name.lower() != "query":
        return False
    names = [data.parameter] if getattr(data, "parameter", None) else [m.parameter for m in data.mutations]
    free = {
        p["name"]
        for p in case.operation.definition.raw.get("parameters", [])
        if p.get("in") == "query" and _free_text(p.get("schema", {}))
    }
    return bool(names) and all(name in free for name in names)


def _schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("tier", ["admin", "public"])
def test_every_operation_conforms_to_the_schema(
    app_and_keys: tuple[Any, Any, int], tier: str, mode: GenerationMode
) -> None:
    app, keys, examples = app_and_keys
    schema = _schema(app)
    headers = keys.header("admin") if tier == "admin" else {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (
            mode is GenerationMode.NEGATIVE
            and not operation.definition.raw.get("parameters")
            and not (operation.definition.raw.get("requestBody"))
        ):
            continue  # nothing to get wrong: no parameters, no body (/health, /ready, /v1/vocabulary)

        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            if mode is GenerationMode.NEGATIVE:
                hypothesis.assume(not _valid_once_sent(case))
            case.call_and_validate(headers=headers)  # every check schemathesis has

        try:
            run()
        except (FailureGroup, AssertionError) as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
