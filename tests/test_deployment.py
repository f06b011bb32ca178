"""The deployment files: docker-compose.yml (Neo4j 5 + graphsvc), Dockerfile and deploy.env.example."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy.env.example"
DOCKERFILE = ROOT / "Dockerfile"
# ${NAME}, ${NAME:-default}, ${NAME:?error}, ... (compose interpolation; $$ escapes a dollar)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_neo4j_image_is_a_pinned_community_minor(compose: dict[str, Any]) -> None:
    image = compose["services"]["neo4j"]["image"]
    assert image == "neo4j:5.26-community"
    assert re.fullmatch(r"neo4j:5\.\d+-community", image)


def test_neo4j_ports_volumes_and_import_folder(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    published = [str(p).rsplit(":", 1)[-1] for p in neo4j["ports"]]
    assert sorted(published) == ["7474", "7687"]
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "neo4j-data" in compose["volumes"]  # a named volume, not a host folder
    assert "./var/neo4j-import:/import" in neo4j["volumes"]
    assert neo4j["environment"]["NEO4J_server_directories_import"] == "/import"


def test_neo4j_healthcheck_runs_a_query(compose: dict[str, Any]) -> None:
    check = compose["services"]["neo4j"]["healthcheck"]
    command = " ".join(check["test"]) if isinstance(check["test"], list) else check["test"]
    assert "cypher-shell" in command
    assert "RETURN 1" in command
    assert "${NEO4J_USER}" in command and "${NEO4J_PASSWORD}" in command
    assert check["retries"] >= 3


def test_neo4j_memory_is_modest_by_default(compose: dict[str, Any]) -> None:
    env = compose["services"]["neo4j"]["environment"]
    for key, limit_mb in [
        ("NEO4J_server_memory_heap_max__size", 2048),
        ("NEO4J_server_memory_pagecache_size", 2048),
    ]:
        match = VARIABLE.search(env[key])
        default = env[key][match.end(2) : -1] if match and match.group(2) == ":-" else env[key]
        number, unit = re.fullmatch(r"(\d+)([mMgG])", default).groups()  # type: ignore[union-attr]
        assert int(number) * (1024 if unit in "gG" else 1) <= limit_mb, key


def test_credentials_come_from_the_env_file(compose: dict[str, Any]) -> None:
    auth = compose["services"]["neo4j"]["environment"]["NEO4J_AUTH"]
    assert [m.group(1) for m in VARIABLE.finditer(auth)] == ["NEO4J_USER", "NEO4J_PASSWORD"]
    header = COMPOSE.read_text(encoding="utf-8").split("\nservices:")[0]
    assert "cp deploy.env.example .env" in header
    assert "docker compose up -d" in header
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore
    example = env_example()
    assert example["NEO4J_USER"] == "neo4j"  # the only user of Neo4j community
    assert len(example["NEO4J_PASSWORD"]) >= 8  # Neo4j 5 refuses shorter passwords
    # Every variable the file needs without a default is in the example env file.
    required = {m.group(1) for m in VARIABLE.finditer(COMPOSE.read_text(encoding="utf-8")) if m.group(2) != ":-"}
    assert required <= set(example), required - set(example)


def test_graphsvc_service(compose: dict[str, Any]) -> None:
    service = compose["services"]["graphsvc"]
    build = service["build"]
    assert (build if isinstance(build, str) else build["context"]) == "."
    env = service["environment"]
    assert env["GRAPHSVC_STORE"] == "neo4j"
    assert env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["NEO4J_DATABASE"] == "neo4j"
    assert "${NEO4J_USER" in env["NEO4J_USER"]
    assert "${NEO4J_PASSWORD" in env["NEO4J_PASSWORD"]
    assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert any(str(port).endswith(":8000") for port in service["ports"])
    assert env["GRAPHSVC_API_KEYS"].startswith("/var/lib/graphsvc/")
    assert env["GRAPHSVC_ID_KEY"] == "${GRAPHSVC_ID_KEY:-}"  # mapped loads over HTTP use the deployment's key


def test_dockerfile_installs_without_dev_extras() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert re.search(r"pip install \.(\s|$)", text)
    assert "[dev]" not in text
    assert 'CMD ["graphsvc-api", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]' in text
    for line in re.findall(r"^COPY (\S+) ", text, re.MULTILINE):
        assert (ROOT / line).exists(), line


def _compose_plugin_problem() -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI"
    try:
        result = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker compose version: {exc}"
    if result.returncode != 0:
        return f"no docker compose plugin: {(result.stderr or result.stdout).strip().splitlines()[0:1]}"
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    problem = _compose_plugin_problem()
    if problem is not None:
        pytest.skip(problem)
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert resolved["services"]["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/change-me-please"
    assert resolved["services"]["graphsvc"]["environment"]["NEO4J_PASSWORD"] == "change-me-please"
