"""DuckDB-native references for the core engine: hand-written SQL for P1, P5 and W1, and a plain load.

    python -m bench.reference [--subjects 1000000] [--as-of 2026-06-30] [--repeat 5] [--rounds 1]
                              [--quiet-wait 0] [--only evaluate|load] [--work bench/out]

**Evaluation** (one process, on the core benchmark's store ``bench/out/core-N.duckdb``). For each of P1, P5
and W1 under the ``default`` profile, one query written by hand for this profile and this data model (literals,
no rule table, no explanations): the entries in force on the as-of date (V1 validity by severity, V2 objections
suspend, the status history), the roles held on the rule's date, the same grouping. Before anything is timed,
its answers (subject, source entry, related subject, related entry, effect, valid from, valid until, via,
detail) must equal graphsvc's rule rows for that rule alone, and graphsvc's derived records must carry the same
keys and validity. Then, alternating, ``--repeat`` times each: graphsvc ``evaluate`` of that rule alone
(``persist=False``: rule queries, names from the names the store keeps per batch, explanations, paths,
citations), the same with the names looked up in the subjects table (what a batch's first evaluation in a process
does, ``graphsvc_first_of_batch``), the reference query into Arrow, and the reference with the names its
explanations would print (one lookup of the subjects, ``WITH_NAMES``); medians are compared. Then the time to make
the kept names once (``names_made_seconds``) and all rules of the profile together (graphsvc only).

**Load**, each load in its own process (peak memory = that process's maximum resident set), ``--rounds`` times
in turn: the reference reads the four CSV files with DuckDB ``read_csv`` (all columns as text, trimmed, empty as
missing) into a fresh DuckDB file, runs the checks listed in ``LOAD_CHECKS_INCLUDED`` as plain SQL (the USCC and
ID-number check characters with graphsvc's own numpy functions, ``graphsvc.identifiers``) and inserts the typed
rows with their transaction time; ``LOAD_CHECKS_LEFT_OUT`` says what graphsvc does beside. Then
``graphsvc load DIR --db FRESH`` (the command line's own function in process, its imports done before the clock
starts), then the same command again on the now-full store (identical files: nothing changes).

Other processes may share the cores: every phase records the load average before it and the machine's busy CPU
seconds meanwhile; ``--quiet-wait S`` waits up to S seconds before each phase for the cores to go idle.

Output: ``bench/out/reference-N.json`` (the figures in ``bench/README.md`` come from it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.machine import machine_busy, wait_for_quiet

ROOT = Path(__file__).resolve().parents[1]

# -- the hand-written rule queries ------------------------------------------------------------------------------
# Written for the default profile: serious entries last 3 years and the others 1 year from determination when
# valid_until is empty (red entries never expire), objections suspend, roles are taken on the act date (the
# determination date when the act date is empty). Entries whose severity is empty read as serious on these lists.

_SERIOUS_BY_DEFAULT = (
    "'black', 'court_defaulter', 'serious_illegal', 'major_tax_case', 'listed_company_violation', "
    "'safety_production', 'finance_serious', 'gov_dishonesty'"
)

# The entries in force on $as_of, with their validity end: the entry's own status unless a later row of the
# status history replaced it (a status takes effect on status_since; before it the entry was active).
_IN_FORCE = f"""
status_rows AS (
    SELECT entry_id, arg_max(status, since) AS status, max(since) AS since
    FROM statuses WHERE superseded_at IS NULL AND since <= $as_of GROUP BY entry_id
),
entry_rows AS (
    SELECT e.entry_id, e.subject_id, e.list_type, e.domain, e.determined_on, e.act_date,
        coalesce(e.severity, CASE WHEN e.list_type IN ({_SERIOUS_BY_DEFAULT}) THEN 'serious' END) AS severity,
        CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN e.status ELSE 'active' END AS own_status,
        CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN coalesce(e.status_since, e.determined_on)
             ELSE e.determined_on END AS own_since,
        e.valid_until, h.status AS history_status, h.since AS history_since
    FROM entries e LEFT JOIN status_rows h ON h.entry_id = e.entry_id
    WHERE e.superseded_at IS NULL
),
in_force AS (
    SELECT entry_id, subject_id, list_type, domain, determined_on, act_date, severity,
        coalesce(valid_until, CASE WHEN list_type = 'red' THEN NULL
                                   WHEN severity = 'serious' THEN CAST(determined_on + INTERVAL 3 YEAR AS DATE)
                                   ELSE CAST(determined_on + INTERVAL 1 YEAR AS DATE) END) AS until
    FROM entry_rows
    WHERE determined_on <= $as_of
      AND CASE WHEN history_since >= own_since THEN history_status ELSE own_status END = 'active'
)"""

_HELD = "({a}.valid_from IS NULL OR {a}.valid_from <= {on}) AND ({a}.valid_to IS NULL OR {on} <= {a}.valid_to)"

REFERENCE_SQL: dict[str, str] = {
    # PROP-01/02: an organisation's serious entry reaches its legal representative and main person in charge on
    # the role date, and every person with a responsibility finding for the entry.
    "P1": f"""
WITH {_IN_FORCE},
serious AS (
    SELECT e.entry_id, e.subject_id, e.determined_on, e.until, coalesce(e.act_date, e.determined_on) AS role_date
    FROM in_force e JOIN subjects o ON o.subject_id = e.subject_id AND o.superseded_at IS NULL
    WHERE $as_of <= e.until AND e.severity = 'serious' AND e.list_type <> 'red'
      AND o.kind IN ('enterprise', 'social_org', 'public_institution', 'government')
),
reached AS (
    SELECT r.source_id AS person, e.entry_id, r.role AS via
    FROM serious e JOIN roles r ON r.target_id = e.subject_id AND r.superseded_at IS NULL
        AND r.role IN ('legal_representative', 'main_person_in_charge') AND {_HELD.format(a="r", on="e.role_date")}
    UNION ALL
    SELECT f.person_id, f.entry_id, 'responsibility_finding'
    FROM findings f JOIN serious e ON e.entry_id = f.entry_id WHERE f.superseded_at IS NULL
)
SELECT x.person AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
    NULL::VARCHAR AS related_entry_id, 'personal_credit_record' AS effect, e.determined_on AS valid_from,
    e.until AS valid_until, string_agg(DISTINCT x.via, '+' ORDER BY x.via) AS via, NULL::VARCHAR AS detail
FROM reached x JOIN serious e ON e.entry_id = x.entry_id
GROUP BY x.person, e.entry_id, e.subject_id, e.determined_on, e.until""",
    # PROP-05: the legal representative and persons in charge, on the determination date, of an enterprise on
    # the serious-illegal list may not lead another enterprise for 3 years; such appointments held on the as-of
    # date are violations.
    "P5": f"""
WITH {_IN_FORCE},
listed AS (
    SELECT e.entry_id, e.subject_id, e.determined_on,
        least(e.until, CAST(e.determined_on + INTERVAL 3 YEAR AS DATE)) AS until
    FROM in_force e JOIN subjects o ON o.subject_id = e.subject_id AND o.superseded_at IS NULL
    WHERE $as_of <= e.until AND e.list_type = 'serious_illegal' AND o.kind = 'enterprise'
      AND $as_of <= CAST(e.determined_on + INTERVAL 3 YEAR AS DATE)
),
banned AS (
    SELECT r.source_id AS person, e.entry_id, e.subject_id AS origin, e.determined_on, e.until,
        string_agg(DISTINCT r.role, '+' ORDER BY r.role) AS via
    FROM listed e JOIN roles r ON r.target_id = e.subject_id AND r.superseded_at IS NULL
        AND r.role IN ('legal_representative', 'person_in_charge', 'main_person_in_charge')
        AND {_HELD.format(a="r", on="e.determined_on")}
    GROUP BY ALL
),
appointed AS (
    SELECT a.source_id AS person, a.target_id, min(a.valid_from) AS valid_from,
        CASE WHEN bool_or(a.valid_to IS NULL) THEN NULL ELSE max(a.valid_to) END AS valid_to,
        string_agg(DISTINCT a.role, '+' ORDER BY a.role) AS roles
    FROM roles a JOIN subjects t ON t.subject_id = a.target_id AND t.superseded_at IS NULL AND t.kind = 'enterprise'
    WHERE a.superseded_at IS NULL AND a.source_id IN (SELECT person FROM banned)
      AND a.role IN ('legal_representative', 'person_in_charge', 'main_person_in_charge')
      AND {_HELD.format(a="a", on="$as_of")}
    GROUP BY a.source_id, a.target_id
)
SELECT person AS subject_id, entry_id AS source_entry_id, NULL::VARCHAR AS related_id,
    NULL::VARCHAR AS related_entry_id, 'appointment_ban' AS effect, determined_on AS valid_from,
    until AS valid_until, via, NULL::VARCHAR AS detail
FROM banned
UNION ALL
SELECT b.person, b.entry_id, a.target_id, NULL, 'appointment_ban_violation', greatest(b.determined_on, a.valid_from),
    least(b.until, a.valid_to), b.via, a.roles
FROM banned b JOIN appointed a ON a.person = b.person AND a.target_id <> b.origin""",
    # LST-14: in-force focus entries in at least 3 of the nine key domains of 001 五(二); valid from the day the
    # third domain appeared, until the day fewer than three would remain; detail = key:entry ids per domain.
    "W1": f"""
WITH {_IN_FORCE},
key_of(domain, key) AS (VALUES
    ('market_supervision', '市场监管'), ('consumer_protection', '市场监管'), ('price_metrology', '市场监管'),
    ('tax', '税务'), ('finance', '金融'), ('food_drug', '食品药品安全'), ('product_quality', '质量安全'),
    ('construction_quality', '质量安全'), ('compulsory_certification', '质量安全'),
    ('special_equipment', '质量安全'), ('import_export', '质量安全'), ('safety_production', '安全生产'),
    ('fire_safety', '安全生产'), ('securities', '证券监管'), ('environment', '环境保护'), ('judicial', '司法')),
per_domain AS (
    SELECT e.subject_id, k.key, min(e.determined_on) AS first_from, max(e.until) AS last_until,
        arg_min(e.entry_id, (e.determined_on, e.entry_id)) AS first_entry,
        string_agg(e.entry_id, ',' ORDER BY e.entry_id) AS entry_ids
    FROM in_force e JOIN key_of k ON k.domain = e.domain
    WHERE e.list_type = 'focus' AND $as_of <= e.until
    GROUP BY e.subject_id, k.key
),
per_subject AS (
    SELECT subject_id,
        list(struct_pack(first_from, key, first_entry) ORDER BY first_from, key)[3] AS third,
        list(last_until ORDER BY last_until DESC)[3] AS until,
        string_agg(key || ':' || entry_ids, ';' ORDER BY key) AS detail
    FROM per_domain GROUP BY subject_id HAVING count(*) >= 3
)
SELECT subject_id, third.first_entry AS source_entry_id, NULL::VARCHAR AS related_id,
    NULL::VARCHAR AS related_entry_id, 'big_data_warning' AS effect, third.first_from AS valid_from,
    until AS valid_until, NULL::VARCHAR AS via, detail
FROM per_subject""",
}
# What the DuckDB-native load does, beside reading and writing (phase_load_reference), and what it leaves out.
LOAD_CHECKS_INCLUDED = (
    "cells trimmed, empty cells as missing, row numbers",
    "required values of every file",
    "enumerated values: subject kind, role, list type, severity by list type (LST-08, LST-12, red without)",
    "dates as YYYY-MM-DD and their order (valid_to >= valid_from, act_date/valid_until/status_since by "
    "determined_on); ratio a number 0-100 on shareholder roles only; no role at oneself",
    "USCC and ID-number check characters (graphsvc.identifiers, the numpy functions graphsvc uses); uscc only "
    "on organisations, id_number only on persons; an identifier on two subjects",
    "references: both ends of a role, an entry's subject, a finding's person and entry; kinds at both ends of "
    "a role, serious_illegal entries on enterprises only, findings name persons for organisations' entries",
    "duplicate keys with conflicting content (subjects, roles, entries), by hash",
    "typed rows inserted with batch id and transaction time",
)
LOAD_CHECKS_LEFT_OUT = (
    "aliases to slugs (董事长 -> director …) and the vocabulary's refusals with the nearest value",
    "domain, status and scope vocabularies; the fit rules (partial dates, ratio scales, titles, shares over "
    "100 %) and their warnings",
    "PRV-01 header checks, encoding detection, problems as row-numbered messages, the load report",
    "the store's supersede/compare path (a fresh load only) and the generation file",
)
ANSWER = (
    "subject_id",
    "source_entry_id",
    "related_id",
    "related_entry_id",
    "effect",
    "valid_from",
    "valid_until",
    "via",
    "detail",
)
# The same answers with the names the explanations print (subject, related subject), looked up in one scan of the
# subjects: what a hand-written query would add to explain its rows.
WITH_NAMES = """
WITH answers AS ({sql}),
names AS (
    SELECT subject_id, name FROM subjects
    WHERE superseded_at IS NULL
      AND subject_id IN (SELECT subject_id FROM answers UNION SELECT related_id FROM answers)
)
SELECT a.*, sn.name AS subject_name, rn.name AS related_name
FROM answers a LEFT JOIN names sn ON sn.subject_id = a.subject_id LEFT JOIN names rn ON rn.subject_id = a.related_id"""
RECORD_KEY = ("subject_id", "source_entry_id", "related_id", "related_entry_id", "effect", "valid_from", "valid_until")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """This process's CPU time, all threads (DuckDB's included), user and system: on shared cores the work done,
    which waiting for a core does not inflate as it does the wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows(table: Any, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    data = table.select(list(columns)).to_pylist()
    return sorted((tuple(r[c] for c in columns) for r in data), key=repr)


# -- phases (each runs in a child process) -----------------------------------------------------------------------


def phase_evaluate(db: Path, as_of: str, rules: list[str], repeat: int) -> dict[str, Any]:
    import duckdb

    from graphsvc.context import build_context
    from graphsvc.engine import evaluate, explain
    from graphsvc.profiles import Profile, load_profile
    from graphsvc.stores.embedded import EmbeddedStore
    from graphsvc.stores.embedded_rules import run_rules
    from graphsvc.stores.subject_names import SubjectNames

    day = dt.date.fromisoformat(as_of)
    default = load_profile("default")
    out: dict[str, Any] = {}
    with EmbeddedStore(db, read_only=True) as store:
        con = duckdb.connect(str(db), read_only=True)
        for rule in rules:
            profile = Profile.model_validate(
                {**default.model_dump(), "rules": {k: v for k, v in default.rules.items() if k == rule}}
            )

            def reference() -> Any:
                return con.sql(REFERENCE_SQL[rule], params={"as_of": day}).to_arrow_table()  # noqa: B023

            def reference_named() -> Any:
                sql = WITH_NAMES.format(sql=REFERENCE_SQL[rule])  # noqa: B023
                return con.sql(sql, params={"as_of": day}).to_arrow_table()

            def ours() -> Any:
                return evaluate(store, profile, day, persist=False).records  # noqa: B023

            def ours_first_of_batch() -> Any:
                # a batch's first evaluation in a process: the names from the subjects table, none kept yet
                context = build_context(profile, day)  # noqa: B023
                return explain(run_rules(store._con, context, dt.datetime(9999, 12, 31), None), context)

            # The answers first: the reference against graphsvc's rule rows, then the derived records' keys.
            expected = _rows(reference(), ANSWER)
            context = build_context(profile, day)
            rule_rows = store.run_rules(context)
            if _rows(rule_rows, ANSWER) != expected:
                raise SystemExit(f"{rule}: graphsvc's rule rows and the reference disagree: not reporting times")
            records = ours()
            if _rows(records, RECORD_KEY) != sorted({r[:7] for r in expected}, key=repr):
                raise SystemExit(f"{rule}: graphsvc's derived records and the reference disagree")
            if _rows(reference_named(), ANSWER) != expected:
                raise SystemExit(f"{rule}: the reference with names lost rows")
            if _rows(ours_first_of_batch(), RECORD_KEY) != _rows(records, RECORD_KEY):
                raise SystemExit(f"{rule}: a batch's first evaluation and a later one disagree")
            times: dict[str, list[float]] = {
                "graphsvc": [],
                "graphsvc_first_of_batch": [],
                "reference": [],
                "reference_with_names": [],
                "rule_query": [],
                "explain": [],
            }
            for _ in range(repeat):
                start = time.perf_counter()
                ours()
                times["graphsvc"].append(time.perf_counter() - start)
                start = time.perf_counter()
                ours_first_of_batch()
                times["graphsvc_first_of_batch"].append(time.perf_counter() - start)
                start = time.perf_counter()
                reference()
                times["reference"].append(time.perf_counter() - start)
                start = time.perf_counter()
                reference_named()
                times["reference_with_names"].append(time.perf_counter() - start)
                start = time.perf_counter()
                rows = store.run_rules(context)
                middle = time.perf_counter()
                explain(rows, context)
                times["rule_query"].append(middle - start)
                times["explain"].append(time.perf_counter() - middle)
            medians = {k: statistics.median(v) for k, v in times.items()}
            out[rule] = {
                "answers": len(expected),
                "answers_agree": True,
                "seconds": medians,
                "min_seconds": {k: min(v) for k, v in times.items()},
                "ratio": medians["graphsvc"] / medians["reference"],
                "ratio_first_of_batch": medians["graphsvc_first_of_batch"] / medians["reference"],
                "ratio_to_reference_with_names": medians["graphsvc"] / medians["reference_with_names"],
            }
        # What a batch's second evaluation adds once: making the names it keeps (read and sorted, not saved).
        start = time.perf_counter()
        SubjectNames.read(store._con)
        out["names_made_seconds"] = time.perf_counter() - start
        # All rules of the profile together (no reference: for the record, beside bench.core's figure).
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            derived = evaluate(store, default, day, persist=False).records.num_rows
            seconds.append(time.perf_counter() - start)
        out["all_rules"] = {"derived": derived, "seconds": statistics.median(seconds), "min_seconds": min(seconds)}
        con.close()
    return out


def phase_load_reference(data: Path, db: Path) -> dict[str, Any]:
    import duckdb

    from graphsvc.identifiers import id_number_problems, uscc_problems

    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    start, cpu = time.perf_counter(), _cpu_seconds()
    con = duckdb.connect(str(db))
    for stem in ("subjects", "roles", "entries", "responsibilities"):
        path = data / (stem + ".csv")
        columns = con.execute(f"DESCRIBE SELECT * FROM read_csv('{path}', all_varchar = true)").fetchall()
        # As graphsvc reads a cell: trimmed, empty as missing; the row number for messages.
        cells = ", ".join(f"nullif(trim({c[0]}), '') AS {c[0]}" for c in columns)
        con.execute(
            f"CREATE TEMP TABLE raw_{stem} AS SELECT row_number() OVER () + 1 AS _row, {cells} "
            f"FROM read_csv('{path}', all_varchar = true, header = true)"
        )
    read = time.perf_counter() - start
    problems: dict[str, int] = {}

    timings: dict[str, float] = {}

    def check(name: str, sql: str) -> None:
        began = time.perf_counter()
        problems[name] = int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
        timings[name] = time.perf_counter() - began

    kinds = "('person', 'enterprise', 'social_org', 'public_institution', 'government')"
    orgs = "('enterprise', 'social_org', 'public_institution', 'government')"
    roles = (
        "('legal_representative', 'main_person_in_charge', 'person_in_charge', 'senior_manager', 'director', "
        "'supervisor', 'shareholder', 'actual_controller', 'registered_practitioner', 'related_enterprise', "
        "'branch_of')"
    )
    person_roles = (
        "('legal_representative', 'main_person_in_charge', 'person_in_charge', 'senior_manager', 'director', "
        "'supervisor', 'registered_practitioner')"
    )
    date = "NOT regexp_full_match({c}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') OR TRY_CAST({c} AS DATE) IS NULL"
    # subjects
    check("subjects required", "SELECT 1 FROM raw_subjects WHERE subject_id IS NULL OR kind IS NULL OR name IS NULL")
    check("subjects kind", f"SELECT 1 FROM raw_subjects WHERE kind NOT IN {kinds}")
    check(
        "subjects uscc/id_number by kind",
        "SELECT 1 FROM raw_subjects WHERE (uscc IS NOT NULL AND kind = 'person') "
        "OR (id_number IS NOT NULL AND kind <> 'person')",
    )
    began = time.perf_counter()
    ids = con.sql("SELECT uscc, id_number FROM raw_subjects").to_arrow_table()
    problems["subjects uscc check characters"] = sum(r is not None for r in uscc_problems(ids.column("uscc")))
    problems["subjects id_number check characters"] = sum(
        r is not None for r in id_number_problems(ids.column("id_number"))
    )
    timings["subjects identifier check characters"] = time.perf_counter() - began
    check(
        "subjects duplicate subject_id",
        "SELECT hash(subject_id) FROM raw_subjects GROUP BY 1 "
        "HAVING min(hash(kind, name, uscc, id_number, region)) <> max(hash(kind, name, uscc, id_number, region))",
    )
    for column in ("uscc", "id_number"):
        check(
            f"subjects {column} shared",
            f"SELECT {column} FROM raw_subjects WHERE {column} IS NOT NULL "
            f"GROUP BY {column} HAVING count(DISTINCT subject_id) > 1",
        )
    # roles
    check("roles required", "SELECT 1 FROM raw_roles WHERE source_id IS NULL OR role IS NULL OR target_id IS NULL")
    check("roles role", f"SELECT 1 FROM raw_roles WHERE role NOT IN {roles}")
    check(
        "roles dates",
        "SELECT 1 FROM raw_roles WHERE "
        + " OR ".join(f"({c} IS NOT NULL AND ({date.format(c=c)}))" for c in ("valid_from", "valid_to")),
    )
    check(
        "roles ratio",
        "SELECT 1 FROM raw_roles WHERE ratio IS NOT NULL AND (role <> 'shareholder' OR "
        "TRY_CAST(ratio AS DOUBLE) IS NULL OR NOT TRY_CAST(ratio AS DOUBLE) BETWEEN 0 AND 100)",
    )
    check(
        "roles order and self",
        "SELECT 1 FROM raw_roles WHERE TRY_CAST(valid_to AS DATE) < "
        "TRY_CAST(valid_from AS DATE) OR source_id = target_id",
    )
    check(
        "roles references and kinds",
        f"""SELECT 1 FROM raw_roles t
        LEFT JOIN raw_subjects s ON s.subject_id = t.source_id LEFT JOIN raw_subjects g ON g.subject_id = t.target_id
        WHERE s.subject_id IS NULL OR g.subject_id IS NULL OR g.kind NOT IN {orgs}
           OR (t.role IN {person_roles} AND s.kind <> 'person')
           OR (t.role IN ('related_enterprise', 'branch_of') AND s.kind = 'person')""",
    )
    check(
        "roles duplicates",
        "SELECT hash(source_id, role, target_id, valid_from) FROM raw_roles GROUP BY 1 "
        "HAVING min(hash(TRY_CAST(ratio AS DOUBLE), valid_to)) <> max(hash(TRY_CAST(ratio AS DOUBLE), valid_to))",
    )
    # entries
    check(
        "entries required",
        "SELECT 1 FROM raw_entries WHERE entry_id IS NULL OR subject_id IS NULL OR "
        "list_type IS NULL OR domain IS NULL OR determined_on IS NULL OR status IS NULL OR scope IS NULL",
    )
    check(
        "entries dates",
        "SELECT 1 FROM raw_entries WHERE "
        + " OR ".join(
            f"({c} IS NOT NULL AND ({date.format(c=c)}))"
            for c in ("act_date", "determined_on", "valid_until", "status_since")
        ),
    )
    check(
        "entries severity",
        f"""SELECT 1 FROM raw_entries WHERE
        (list_type IN ('black', 'serious_illegal') AND severity IS NOT NULL AND severity <> 'serious')
        OR (list_type = 'focus' AND severity = 'serious') OR (list_type = 'red' AND severity IS NOT NULL)
        OR (list_type <> 'red' AND severity NOT IN ('general', 'fairly_serious', 'serious'))
        OR TRY_CAST(act_date AS DATE) > TRY_CAST(determined_on AS DATE)
        OR TRY_CAST(valid_until AS DATE) < TRY_CAST(determined_on AS DATE)
        OR TRY_CAST(status_since AS DATE) < TRY_CAST(determined_on AS DATE)
        OR list_type NOT IN ('red', 'black', 'focus', {_SERIOUS_BY_DEFAULT}, 'abnormal_operation')""",
    )
    check(
        "entries references and kinds",
        """SELECT 1 FROM raw_entries t
        LEFT JOIN raw_subjects s ON s.subject_id = t.subject_id
        WHERE s.subject_id IS NULL OR (t.list_type = 'serious_illegal' AND s.kind <> 'enterprise')""",
    )
    check(
        "entries duplicates",
        "SELECT hash(entry_id) FROM raw_entries GROUP BY 1 HAVING count(DISTINCT "
        "hash(subject_id, list_type, domain, severity, department, act_date, determined_on, valid_until, status, "
        "status_since, scope, legal_basis)) > 1",
    )
    # responsibility findings
    check(
        "findings references and kinds",
        """SELECT 1 FROM raw_responsibilities f
        LEFT JOIN raw_subjects p ON p.subject_id = f.person_id LEFT JOIN raw_entries e ON e.entry_id = f.entry_id
        LEFT JOIN raw_subjects o ON o.subject_id = e.subject_id
        WHERE f.person_id IS NULL OR f.entry_id IS NULL OR p.subject_id IS NULL OR e.entry_id IS NULL
           OR p.kind <> 'person' OR o.kind = 'person'""",
    )
    checked = time.perf_counter() - start - read
    began = time.perf_counter()
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    meta = "1 AS batch_id, $at AS recorded_at, NULL::TIMESTAMP AS superseded_at"
    con.execute(
        f"""CREATE TABLE subjects AS SELECT subject_id, kind, name, uscc, id_number, region, {meta}
        FROM raw_subjects""",
        {"at": at},
    )
    con.execute(
        f"""CREATE TABLE roles AS SELECT source_id, role, target_id, CAST(ratio AS DOUBLE) AS ratio,
        CAST(valid_from AS DATE) AS valid_from, CAST(valid_to AS DATE) AS valid_to, {meta} FROM raw_roles""",
        {"at": at},
    )
    con.execute(
        f"""CREATE TABLE entries AS SELECT entry_id, subject_id, list_type, domain,
        CASE WHEN list_type IN ('black', 'serious_illegal') THEN 'serious' ELSE severity END AS severity, department,
        CAST(act_date AS DATE) AS act_date, CAST(determined_on AS DATE) AS determined_on,
        CAST(valid_until AS DATE) AS valid_until, status, CAST(status_since AS DATE) AS status_since, scope,
        legal_basis, {meta} FROM raw_entries""",
        {"at": at},
    )
    con.execute(
        f"CREATE TABLE findings AS SELECT person_id, entry_id, basis, {meta} FROM raw_responsibilities", {"at": at}
    )
    con.close()
    counts = {k: v for k, v in problems.items() if v}
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu,
        "read_seconds": read,
        "check_seconds": checked,
        "insert_seconds": time.perf_counter() - began,
        "check_timings": timings,
        "problems": counts,
        "rows": {"subjects": ids.num_rows},
        "included": LOAD_CHECKS_INCLUDED,
        "left_out": LOAD_CHECKS_LEFT_OUT,
    }


def phase_load_graphsvc(data: Path, db: Path, fresh: bool) -> dict[str, Any]:
    import io

    import loaders.intake  # noqa: F401  (the reader's imports, before the clock)
    from graphsvc.cli import main

    if fresh:
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
    out = io.StringIO()
    start, cpu = time.perf_counter(), _cpu_seconds()
    code = main(["load", str(data), "--db", str(db)], out)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    if code != 0:
        raise SystemExit(f"graphsvc load failed ({code}): {out.getvalue()}")
    return {"seconds": seconds, "cpu_seconds": cpu, "summary": out.getvalue().splitlines()}


# -- driver ---------------------------------------------------------------------------------------------------------


def _child(args: list[str]) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; return its result and its own peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.reference", "--phase", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


QUIET_BELOW = 0.3  # cores other processes may use while this benchmark counts the machine as idle


def _phase(args: list[str], quiet_wait: float) -> dict[str, Any]:
    """One phase in its own process, with the load average before it and the CPU others used meanwhile."""
    waited = wait_for_quiet(quiet_wait, QUIET_BELOW) if quiet_wait > 0 else 0.0
    before, busy = os.getloadavg(), machine_busy()
    result = _child(args)
    elapsed_busy = machine_busy() - busy
    result["load_average_before"] = before
    result["waited_for_quiet_seconds"] = waited
    result["machine_cpu_seconds"] = elapsed_busy
    return result


def run(
    subjects: int, as_of: str, repeat: int, rounds: int, quiet_wait: float, work: Path, parts: set[str]
) -> dict[str, Any]:
    data, core_db = work / f"data-{subjects}", work / f"core-{subjects}.duckdb"
    if not (data / "subjects.csv").exists() or not core_db.exists():
        raise SystemExit(f"run `python -m bench.core --subjects {subjects}` first ({data}, {core_db})")
    report: dict[str, Any] = {
        "command": f"python -m bench.reference --subjects {subjects} --as-of {as_of} --repeat {repeat} "
        f"--rounds {rounds} --quiet-wait {quiet_wait:g}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": os.getloadavg(),
        "subjects": subjects,
        "as_of": as_of,
    }
    if "evaluate" in parts:
        rules = ",".join(REFERENCE_SQL)
        report["evaluate"] = _phase(["evaluate", str(core_db), as_of, rules, str(repeat)], quiet_wait)
    if "load" in parts:
        # Rounds of the three loads, one after the other, so that the machine's load falls on all three alike.
        ref_db, our_db = work / f"reference-{subjects}.native.duckdb", work / f"reference-{subjects}.duckdb"
        runs: dict[str, list[dict[str, Any]]] = {"load_reference": [], "load_fresh": [], "load_again": []}
        for _ in range(rounds):
            runs["load_reference"].append(_phase(["load_reference", str(data), str(ref_db)], quiet_wait))
            runs["load_fresh"].append(_phase(["load", str(data), str(our_db), "fresh"], quiet_wait))
            runs["load_again"].append(_phase(["load", str(data), str(our_db), "again"], quiet_wait))
        ref_db.unlink(missing_ok=True)
        for name, results in runs.items():
            report[name] = {
                "seconds": statistics.median(r["seconds"] for r in results),
                "cpu_seconds": statistics.median(r["cpu_seconds"] for r in results),
                "peak_mb": max(r["peak_mb"] for r in results),
                "rounds": results,
            }
        ratios = [
            (
                runs["load_fresh"][i]["seconds"] / runs["load_reference"][i]["seconds"],
                runs["load_again"][i]["seconds"] / runs["load_fresh"][i]["seconds"],
            )
            for i in range(rounds)
        ]
        report["load_ratios"] = {
            "fresh / reference": report["load_fresh"]["seconds"] / report["load_reference"]["seconds"],
            "again / fresh": report["load_again"]["seconds"] / report["load_fresh"]["seconds"],
            "fresh / reference, CPU time": report["load_fresh"]["cpu_seconds"]
            / report["load_reference"]["cpu_seconds"],
            "again / fresh, CPU time": report["load_again"]["cpu_seconds"] / report["load_fresh"]["cpu_seconds"],
            "per round (fresh / reference, again / fresh)": ratios,
        }
    report["load_average_end"] = os.getloadavg()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--repeat", type=int, default=5, help="timings of each rule and its reference")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the three loads")
    parser.add_argument("--quiet-wait", type=float, default=0.0, help="wait at most this long for idle cores")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--only", choices=("evaluate", "load"), help="run one half only")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "evaluate":
            result = phase_evaluate(Path(rest[0]), rest[1], rest[2].split(","), int(rest[3]))
        elif name == "load_reference":
            result = phase_load_reference(Path(rest[0]), Path(rest[1]))
        else:
            result = phase_load_graphsvc(Path(rest[0]), Path(rest[1]), rest[2] == "fresh")
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result, default=str))
        return
    parts = {args.only} if args.only else {"evaluate", "load"}
    report = run(args.subjects, args.as_of, args.repeat, args.rounds, args.quiet_wait, args.work, parts)
    out = args.work / f"reference-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
