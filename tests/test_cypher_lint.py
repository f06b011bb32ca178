"""Every Cypher statement the Neo4j store runs is valid Neo4j 5 Cypher, by Neo4j's own linter.

The ArcadeDB test server (tests/bolt_server.py) accepts some Cypher Neo4j would refuse; this lints the composed
statements with ``@neo4j-cypher/language-support`` (``lintCypherQuery``, Cypher 5) through
``tests/cypher_lint/lint.mjs``. The statements are composed exactly as the store composes them: every rule plan's
bodies after their prologue (``graphsvc.stores.neo4j_rules.PLANS``), the other ``rule_statement`` compositions
of ``graphsvc/stores/neo4j.py``, each part of a multi-statement file, and every other file alone. Prologue files
are fragments and are linted only inside the statements that use them.

Undefined-parameter diagnostics are ignored (the store binds its parameters at run time); every other error
fails. Install the linter with ``bash tests/cypher_lint/install.sh`` (``scripts/test.sh`` and ``.ci/run`` do).
Without node or the package the test skips locally and fails in CI (``CI=true``).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import shutil
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import graphsvc.stores.neo4j as neo4j_store
from graphsvc.stores.cypher_files import cypher_dir, rule_statement, statement, statements
from graphsvc.stores.neo4j_rules import INFORCE_PROLOGUE, PLANS

LINT_DIR = Path(__file__).resolve().parent / "cypher_lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
LINT_PACKAGE = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
INSTALL_HINT = "install it with `bash tests/cypher_lint/install.sh` (npm ci in tests/cypher_lint)"

# Probes run with the real statements: the linter must flag each bad one and accept the good one (whose only
# complaint, the undefined parameter, is ignored). Guards against a linter that silently reports nothing.
PROBES_BAD = {
    "<probe: syntax error>": "MATCH (n:Subject) RETRN n",
    "<probe: undefined variable>": "MATCH (n:Subject) WITH n, lint_probe_undefined AS m RETURN n",
    "<probe: APOC function>": "MATCH (n:Subject) RETURN apoc.coll.sum([1]) AS total",
}
PROBE_GOOD = "<probe: valid Cypher with a parameter>"
PROBES = {**PROBES_BAD, PROBE_GOOD: "MATCH (n:Subject {subject_id: $id}) RETURN n, duration({years: $years}) AS d"}


@dataclass(frozen=True)
class Part:
    file: str  # cypher/<file>
    first_line: int  # 0-based line of the statement text where this file's text begins


@dataclass(frozen=True)
class Statement:
    name: str
    text: str
    files: tuple[str, ...]  # the cypher/ files it is composed of
    parts: tuple[Part, ...]  # empty when lines cannot be traced back to a file (parts of a multi-statement file)

    def locate(self, line: int, character: int) -> str:
        """Where a diagnostic at (line, character) of the statement text is, as file:line:column (1-based)."""
        for part in reversed(self.parts):
            if line >= part.first_line:
                return f"{part.file}:{line - part.first_line + 1}:{character + 1}"
        return f"{self.name}, line {line + 1}:{character + 1}"


def _file(name: str) -> str:
    return f"{name}.cypher"


def _has_separators(name: str) -> bool:
    return any(line.strip() == ";" for line in statement(name).splitlines())


def _store_calls() -> tuple[list[tuple[str, tuple[str, ...]]], set[str]]:
    """What graphsvc/stores/neo4j.py names literally: rule_statement("x", prologue=...) and statement("x")."""
    composed: list[tuple[str, tuple[str, ...]]] = []
    alone: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(neo4j_store))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue  # a variable name: the PLANS loop, composed from PLANS below
        if node.func.id in ("statement", "statements"):
            alone.add(first.value)
        elif node.func.id == "rule_statement":
            prologue: tuple[str, ...] = ()
            for keyword in node.keywords:
                if keyword.arg != "prologue":
                    continue
                if isinstance(keyword.value, ast.Name):
                    prologue = tuple(getattr(neo4j_store, keyword.value.id))
                else:
                    try:
                        prologue = tuple(ast.literal_eval(keyword.value))
                    except ValueError as error:
                        raise AssertionError(
                            f"graphsvc/stores/neo4j.py:{node.lineno}: cannot resolve the prologue of "
                            f"rule_statement({first.value!r}); teach tests/test_cypher_lint.py to read it"
                        ) from error
            composed.append((first.value, prologue))
    return composed, alone


def compose_statements() -> list[Statement]:
    """Every statement the Neo4j store runs, composed as the store composes it."""
    store_composed, store_alone = _store_calls()
    compositions: dict[tuple[str, tuple[str, ...]], None] = {}
    for plan in PLANS.values():
        for body in plan.bodies:
            compositions[(body, tuple(plan.prologue))] = None
    for body, prologue in store_composed:
        compositions[(body, prologue)] = None
    prologues = {p for _, prologue in compositions for p in (*prologue, *INFORCE_PROLOGUE)}
    bodies = {body for body, _ in compositions}

    out: list[Statement] = []
    for body, prologue in compositions:
        text = rule_statement(body, prologue=prologue)
        parts, line = [], 0
        for name in (*prologue, body):
            parts.append(Part(_file(name), line))
            line += statement(name).count("\n") + 1  # rule_statement joins the files with "\n"
        label = _file(body) + (f" (after {' + '.join(_file(p) for p in prologue)})" if prologue else "")
        traced = tuple(parts) if "\n".join(map(statement, (*prologue, body))) == text else ()
        out.append(Statement(label, text, tuple(_file(n) for n in (*prologue, body)), traced))

    for path in sorted(cypher_dir().glob("*.cypher")):
        name = path.stem
        if (name in prologues or name in bodies) and name not in store_alone:
            continue
        if _has_separators(name):
            parts_of_file = statements(name)
            out.extend(
                Statement(f"{_file(name)} (statement {i} of {len(parts_of_file)})", text, (_file(name),), ())
                for i, text in enumerate(parts_of_file, 1)
            )
        else:
            out.append(Statement(_file(name), statement(name), (_file(name),), (Part(_file(name), 0),)))
    return out


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must lint the Cypher statements ({INSTALL_HINT})")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


def run_linter(named: dict[str, str]) -> dict[str, Any]:
    """Run tests/cypher_lint/lint.mjs on {name: text}; its JSON output."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed, so the Cypher lint cannot run")
    if not LINT_PACKAGE.is_file():
        _unavailable(f"@neo4j-cypher/language-support is not installed in {LINT_DIR.relative_to(LINT_DIR.parents[1])}")
    assert node is not None
    # Neo4j's semantic analysis takes seconds on the long rule statements: share them out over a few node
    # processes, longest first, each chunk getting the next statement while it holds the fewest characters.
    chunks: list[list[tuple[str, str]]] = [[] for _ in range(max(1, min(4, os.cpu_count() or 1, len(named))))]
    for item in sorted(named.items(), key=lambda kv: -len(kv[1])):
        min(chunks, key=lambda c: sum(len(t) for _, t in c)).append(item)

    def lint_chunk(chunk: list[tuple[str, str]]) -> subprocess.CompletedProcess[str]:
        payload = json.dumps([{"name": name, "text": text} for name, text in chunk])
        return subprocess.run(
            [node, str(LINT_SCRIPT)], input=payload, capture_output=True, text=True, timeout=600, check=False
        )

    version, results = "unknown", []
    with ThreadPoolExecutor(len(chunks)) as pool:
        for done in pool.map(lint_chunk, chunks):
            assert done.returncode == 0, f"lint.mjs exited {done.returncode}:\n{done.stderr}"
            result = json.loads(done.stdout)
            version = str(result["version"])
            results += result["results"]
    return {"version": version, "results": results}


@pytest.fixture(scope="module")
def lint() -> tuple[list[Statement], str, dict[str, list[dict[str, Any]]]]:
    composed = compose_statements()
    names = [s.name for s in composed]
    assert len(set(names)) == len(names), f"statement names collide: {names}"
    result = run_linter({**PROBES, **{s.name: s.text for s in composed}})
    diagnostics = {r["name"]: r["diagnostics"] for r in result["results"]}
    return composed, str(result["version"]), diagnostics


def test_every_cypher_file_is_linted() -> None:
    """Every file in cypher/ is linted: alone, as a composed rule body, or inside the statements it prefixes."""
    composed = compose_statements()
    covered = {f for s in composed for f in s.files}
    files = sorted(p.name for p in cypher_dir().glob("*.cypher"))
    assert files, f"no Cypher files in {cypher_dir()}"
    missing = [f for f in files if f not in covered]
    assert not missing, f"not linted: {missing}"
    assert any("(after " in s.name for s in composed), "no composed rule statement found"


def test_linter_reports_errors_and_ignores_parameters(
    lint: tuple[list[Statement], str, dict[str, list[dict[str, Any]]]],
) -> None:
    _, version, diagnostics = lint
    for probe in PROBES_BAD:
        assert any(d["severity"] == "error" for d in diagnostics[probe]), (version, probe, diagnostics[probe])
    assert diagnostics[PROBE_GOOD] == [], (version, diagnostics[PROBE_GOOD])


def test_cypher_statements_are_valid_neo4j_5(
    lint: tuple[list[Statement], str, dict[str, list[dict[str, Any]]]],
) -> None:
    composed, version, diagnostics = lint
    errors: list[str] = []
    for s in composed:
        for d in diagnostics[s.name]:
            where = s.locate(int(d["line"]), int(d["character"]))
            line = f"{where}: {d['message']}" + (f"  [in {s.name}]" if "(after " in s.name else "")
            if d["severity"] == "error":
                errors.append(line)
            else:
                warnings.warn(f"Cypher lint {d['severity']}: {line}", stacklevel=1)
    assert not errors, (
        f"@neo4j-cypher/language-support {version} (Cypher 5) reports {len(errors)} error(s):\n" + "\n".join(errors)
    )
