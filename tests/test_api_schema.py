"""Schemathesis against the app's OpenAPI schema: no 5xx, and every answer matches the schema (status code,
content type, body). Runs as an admin (everything reachable) and as the public (tiers refuse with problems)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import checks
from schemathesis.core.failures import FailureGroup

from tests.api_world import build_world, running_app

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def app_and_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    scenario, _world = build_world()
    with running_app(tmp_path_factory.mktemp("schema"), scenario) as (client, keys, _db):
        yield client.app, keys


def _schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("tier", ["admin", "public"])
def test_every_operation_conforms_to_the_schema(app_and_keys: tuple[Any, Any], tier: str) -> None:
    app, keys = app_and_keys
    schema = _schema(app)
    headers = keys.header("admin") if tier == "admin" else {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (FailureGroup, AssertionError) as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
