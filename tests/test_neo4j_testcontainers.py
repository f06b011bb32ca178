"""Neo4j itself, in Docker through testcontainers, where a Docker engine is available; skipped elsewhere.

The development and CI machines of this project have no Docker engine (shared/bolt-server.md): there the Neo4j
store is tested against ArcadeDB (tests/bolt_server.py) and this module skips at once with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

NEO4J_IMAGE = "neo4j:5.26"
NEO4J_PASSWORD = "graphsvc-test-password"


def docker_engine_problem() -> str | None:
    """None when a Docker engine answers a ping within a few seconds, else why not."""
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _neo4j_container_class() -> Any:
    try:  # testcontainers >= 4.14
        from testcontainers.community.neo4j import Neo4jContainer
    except ImportError:
        from testcontainers.neo4j import Neo4jContainer
    return Neo4jContainer


@pytest.fixture(scope="module")
def neo4j_container() -> Iterator[Any]:
    problem = docker_engine_problem()
    if problem is not None:
        pytest.skip(f"no Docker engine: {problem}")
    container = _neo4j_container_class()(NEO4J_IMAGE, username="neo4j", password=NEO4J_PASSWORD)
    with container:
        yield container


def test_neo4j_in_docker_answers_return_1(neo4j_container: Any) -> None:
    with neo4j_container.get_driver() as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one", database_="neo4j")
    assert [r["one"] for r in records] == [1]


PARITY_SUITE = (
    "tests/test_rules_propagation.py",
    "tests/test_rules_bans_warnings.py",
    "tests/test_validity_objections.py",
    "tests/test_neo4j_store.py",
    "tests/test_neo4j_import.py",
    "tests/test_analytics_parity.py",
)


def test_parity_suite_on_real_neo4j(neo4j_container: Any) -> None:
    """Every rule scenario on real Neo4j 5 and on the embedded store, identical answers (NEO4J_URI mode)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_container.get_connection_url(),
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": NEO4J_PASSWORD,
        "NEO4J_DATABASE": "neo4j",
        "GRAPHSVC_TEST_STORES": "embedded,neo4j",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PARITY_SUITE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
