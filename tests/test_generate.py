"""The demo/benchmark data generator (bench/generate.py): determinism, validity, planted scenarios."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench import names as nm
from bench.generate import TABLES, GenerationSummary, generate, main
from graphsvc.identifiers import id_number_problems, uscc_problems
from graphsvc.vocab import (
    ORGANISATION_KINDS,
    EntryStatus,
    ListType,
    RoleType,
    Scope,
    Severity,
    SubjectKind,
    values,
)
from graphsvc.vocabulary import vocabulary

Row = dict[str, str | None]
AS_OF = "2026-06-30"
SERIOUS = Severity.SERIOUS.value
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


@dataclass
class Data:
    summary: GenerationSummary
    subjects: list[Row]
    roles: list[Row]
    entries: list[Row]
    responsibilities: list[Row]

    def __post_init__(self) -> None:
        self.kind = {str(s["subject_id"]): str(s["kind"]) for s in self.subjects}
        self.roles_at: defaultdict[str, list[Row]] = defaultdict(list)
        self.roles_of: defaultdict[str, list[Row]] = defaultdict(list)
        for r in self.roles:
            self.roles_at[str(r["target_id"])].append(r)
            self.roles_of[str(r["source_id"])].append(r)
        self.entries_of: defaultdict[str, list[Row]] = defaultdict(list)
        for e in self.entries:
            self.entries_of[str(e["subject_id"])].append(e)
        self.findings: defaultdict[str, list[Row]] = defaultdict(list)
        for f in self.responsibilities:
            self.findings[str(f["entry_id"])].append(f)

    def holders(self, org: str, role: str, on: str | None = None) -> list[str]:
        return [str(r["source_id"]) for r in self.roles_at[org] if r["role"] == role and (on is None or held(r, on))]


def held(role: Row, on: str) -> bool:
    return str(role["valid_from"]) <= on and (role["valid_to"] is None or on <= str(role["valid_to"]))


def in_force(entry: Row, on: str = AS_OF) -> bool:
    return (
        entry["status"] == EntryStatus.ACTIVE
        and str(entry["determined_on"]) <= on
        and (entry["valid_until"] is None or on <= str(entry["valid_until"]))
    )


def _load(out: Path, summary: GenerationSummary) -> Data:
    return Data(summary, *(_read(out / f"{name}.csv") for name in TABLES))


# Small data sets: the planted scenarios must be present even at the minimum sizes.
CASES = [(200, 20181), (100, 1), (1000, 2)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-seed{s}" for n, s in CASES])
def data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Data:
    subjects, seed = request.param
    out = tmp_path_factory.mktemp(f"gen{subjects}_{seed}")
    return _load(out, generate(out, subjects, seed=seed))


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Data:
    out = tmp_path_factory.mktemp("gen5000")
    return _load(out, generate(out, 5000))


# ---------------------------------------------------------------------------------------------------
# Determinism, sizes, formats
# ---------------------------------------------------------------------------------------------------


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 200, seed=5)
    generate(tmp_path / "b", 200, seed=5)
    first, second = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert sorted(first) == ["entries.csv", "responsibilities.csv", "roles.csv", "subjects.csv"]
    assert first == second


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", 200, seed=5)
    generate(tmp_path / "b", 200, seed=6)
    first, second = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert all(first[name] != second[name] for name in ("subjects.csv", "roles.csv", "entries.csv"))


def test_parquet_has_the_same_rows_as_csv(tmp_path: Path) -> None:
    csv_summary = generate(tmp_path / "csv", 300, seed=11)
    parquet_summary = generate(tmp_path / "pq", 300, seed=11, fmt="parquet")
    assert (csv_summary.subjects, csv_summary.roles, csv_summary.entries, csv_summary.responsibilities) == (
        parquet_summary.subjects,
        parquet_summary.roles,
        parquet_summary.entries,
        parquet_summary.responsibilities,
    )
    for name, columns in TABLES.items():
        table = pq.read_table(tmp_path / "pq" / f"{name}.parquet")
        assert tuple(table.column_names) == columns
        from_parquet = table.to_pylist()
        from_csv = _read(tmp_path / "csv" / f"{name}.csv")
        assert len(from_parquet) == len(from_csv)
        for p_row, c_row in zip(from_parquet, from_csv, strict=True):
            if name == "roles":
                ratio = c_row.pop("ratio")
                assert p_row.pop("ratio") == (None if ratio is None else float(ratio))
            assert p_row == c_row


def test_default_sizes(medium: Data) -> None:
    s = medium.summary
    assert (s.subjects, s.entries) == (5000, 250)  # entries: 5% of subjects
    assert abs(s.roles - 15_000) <= 1_500  # roles: 3 x subjects, within 10%
    assert (len(medium.subjects), len(medium.roles), len(medium.entries), len(medium.responsibilities)) == (
        s.subjects,
        s.roles,
        s.entries,
        s.responsibilities,
    )


def test_explicit_targets(tmp_path: Path) -> None:
    summary = generate(tmp_path, 2000, roles=10_000, entries=400)
    assert summary.entries == 400
    assert abs(summary.roles - 10_000) <= 1_000


def test_planted_scenarios_come_in_full_even_when_few_entries_are_asked_for(tmp_path: Path) -> None:
    summary = generate(tmp_path, 200, entries=0)
    assert summary.entries > 20


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(tmp_path, 10)
    with pytest.raises(ValueError, match="roles"):
        generate(tmp_path, 200, roles=-1)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--subjects", "150", "--seed", "3", "--entries", "60", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert "subjects=150" in printed and "entries=60" in printed
    assert (tmp_path / "subjects.csv").exists()


def test_csv_layout(tmp_path: Path) -> None:
    generate(tmp_path, 150, seed=4)
    for name, columns in TABLES.items():
        header = (tmp_path / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert header == ",".join(columns)  # unquoted header; values never need quoting


# ---------------------------------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------------------------------


def test_subject_ids_unique_and_identifiers_valid(data: Data) -> None:
    ids = [s["subject_id"] for s in data.subjects]
    assert len(set(ids)) == len(ids)
    region_codes = {r.code for r in nm.REGIONS}
    orgs = [s for s in data.subjects if s["kind"] != SubjectKind.PERSON]
    persons = [s for s in data.subjects if s["kind"] == SubjectKind.PERSON]
    assert orgs and persons
    assert uscc_problems([s["uscc"] for s in orgs]) == [None] * len(orgs)
    assert id_number_problems([s["id_number"] for s in persons]) == [None] * len(persons)
    for s in orgs:
        assert s["subject_id"] == s["uscc"] and s["id_number"] is None
        assert str(s["uscc"])[2:8] == s["region"]
    for s in persons:
        assert re.fullmatch(r"P\d{8}", str(s["subject_id"])) and s["uscc"] is None
        assert str(s["id_number"])[:6] == s["region"]
    assert {s["region"] for s in data.subjects} <= region_codes
    assert all(s["name"] for s in data.subjects)


def test_references_resolve(data: Data) -> None:
    assert all(r["source_id"] in data.kind and r["target_id"] in data.kind for r in data.roles)
    assert all(e["subject_id"] in data.kind for e in data.entries)
    entry_ids = [e["entry_id"] for e in data.entries]
    assert len(set(entry_ids)) == len(entry_ids)
    for f in data.responsibilities:
        assert f["entry_id"] in set(entry_ids)
        assert data.kind[str(f["person_id"])] == SubjectKind.PERSON
        assert f["basis"]
    pairs = [(f["person_id"], f["entry_id"]) for f in data.responsibilities]
    assert len(set(pairs)) == len(pairs)


def test_enumerations(data: Data) -> None:
    assert {s["kind"] for s in data.subjects} == values(SubjectKind)
    assert {r["role"] for r in data.roles} == values(RoleType)
    assert {e["list_type"] for e in data.entries} <= values(ListType)
    assert {e["domain"] for e in data.entries} <= set(vocabulary().domains)
    assert {e["severity"] for e in data.entries} <= values(Severity) | {None}
    assert {e["status"] for e in data.entries} <= values(EntryStatus)
    assert {e["scope"] for e in data.entries} <= values(Scope)


def test_role_shapes(data: Data) -> None:
    related_pairs: set[frozenset[str]] = set()
    for r in data.roles:
        source, target, role = data.kind[str(r["source_id"])], data.kind[str(r["target_id"])], str(r["role"])
        assert r["source_id"] != r["target_id"]
        assert target in ORGANISATION_KINDS
        if role in vocabulary().person_only_roles():
            assert source == SubjectKind.PERSON
        if role in (RoleType.SHAREHOLDER, RoleType.ACTUAL_CONTROLLER, RoleType.BRANCH_OF, RoleType.RELATED_ENTERPRISE):
            assert target == SubjectKind.ENTERPRISE
        if role in (RoleType.BRANCH_OF, RoleType.RELATED_ENTERPRISE):
            assert source == SubjectKind.ENTERPRISE
        if role == RoleType.RELATED_ENTERPRISE:
            pair = frozenset((str(r["source_id"]), str(r["target_id"])))
            assert pair not in related_pairs  # symmetric: asserted once
            related_pairs.add(pair)
        assert (r["ratio"] is not None) == (role == RoleType.SHAREHOLDER)


def test_shareholding_ratios(data: Data) -> None:
    per_target: Counter[str] = Counter()
    for r in data.roles:
        if r["role"] == RoleType.SHAREHOLDER:
            text = str(r["ratio"])
            assert re.fullmatch(r"\d{1,3}(\.\d{1,2})?", text), text
            assert 0 < float(text) <= 100
            per_target[str(r["target_id"])] += round(float(text) * 100)
    assert per_target and max(per_target.values()) <= 10_000


def test_role_dates(data: Data) -> None:
    for r in data.roles:
        assert ISO.match(str(r["valid_from"]))
        assert "2005-01-01" <= str(r["valid_from"]) <= "2026-11-01"
        if r["valid_to"] is not None:
            assert str(r["valid_from"]) <= str(r["valid_to"]) <= "2026-11-01"
    assert any(r["valid_to"] is not None for r in data.roles)


def test_entry_rules(data: Data) -> None:
    for e in data.entries:
        lt, kind = str(e["list_type"]), data.kind[str(e["subject_id"])]
        if lt in (ListType.BLACK, ListType.SERIOUS_ILLEGAL, ListType.COURT_DEFAULTER):
            assert e["severity"] == SERIOUS
        if lt == ListType.FOCUS:
            assert e["severity"] in (Severity.GENERAL, Severity.FAIRLY_SERIOUS)
        if lt == ListType.RED:
            assert e["severity"] is None
        else:
            assert e["severity"] is not None
        if lt == ListType.SERIOUS_ILLEGAL:
            assert kind == SubjectKind.ENTERPRISE
        if lt == ListType.COURT_DEFAULTER:
            assert e["domain"] == "judicial"
        if lt == ListType.MAJOR_TAX_CASE:
            assert e["domain"] == "tax"
        determined = str(e["determined_on"])
        assert ISO.match(determined) and determined <= "2026-11-01"
        if e["act_date"] is not None:
            assert str(e["act_date"]) <= determined
        if e["valid_until"] is not None:
            assert str(e["valid_until"]) > determined
        if e["status"] == EntryStatus.ACTIVE:
            assert e["status_since"] is None
        else:
            assert determined <= str(e["status_since"]) <= "2026-11-01"
        assert e["department"] and e["legal_basis"] and str(e["legal_basis"]).startswith("《")


def test_court_defaulters_are_mostly_persons(medium: Data) -> None:
    kinds = Counter(data_kind for e in medium.entries if e["list_type"] == ListType.COURT_DEFAULTER
                    for data_kind in [medium.kind[str(e["subject_id"])]])  # fmt: skip
    assert kinds[SubjectKind.PERSON] > kinds[SubjectKind.ENTERPRISE] > 0
    assert set(kinds) <= {SubjectKind.PERSON, SubjectKind.ENTERPRISE}


def test_most_entries_in_force_on_the_reference_date(medium: Data) -> None:
    assert sum(in_force(e) for e in medium.entries) > 0.6 * len(medium.entries)
    assert sum(e["valid_until"] is None for e in medium.entries) > 0.6 * len(medium.entries)
    assert any(e["act_date"] is None for e in medium.entries)


def test_names_look_real(data: Data) -> None:
    surnames = tuple(s for s, _ in nm.SURNAMES)
    for s in data.subjects:
        name, kind = str(s["name"]), s["kind"]
        if kind == SubjectKind.PERSON:
            assert 2 <= len(name) <= 4 and name.startswith(surnames)
        elif kind == SubjectKind.ENTERPRISE:
            assert name.endswith("公司")
    branches = {str(r["source_id"]) for r in data.roles if r["role"] == RoleType.BRANCH_OF}
    assert branches and all(str(s["name"]).endswith("分公司") for s in data.subjects if s["subject_id"] in branches)


# ---------------------------------------------------------------------------------------------------
# Structure: hubs, heavy tails, cycles
# ---------------------------------------------------------------------------------------------------


def test_heavy_tails(medium: Data) -> None:
    holdings = Counter(str(r["source_id"]) for r in medium.roles if r["role"] == RoleType.SHAREHOLDER)
    assert max(n for h, n in holdings.items() if medium.kind[h] == SubjectKind.ENTERPRISE) >= 15  # holding hubs
    assert Counter(holdings.values())[1] > len(holdings) / 4  # most holders hold one or two firms
    current_lr = Counter(
        str(r["source_id"])
        for r in medium.roles
        if r["role"] == RoleType.LEGAL_REPRESENTATIVE and r["valid_to"] is None
    )
    assert max(current_lr.values()) >= 5 and max(current_lr.values()) <= 21


def test_ownership_cycles_and_cross_holdings(data: Data) -> None:
    owns: defaultdict[str, set[str]] = defaultdict(set)
    for r in data.roles:
        if r["role"] == RoleType.SHAREHOLDER:
            owns[str(r["source_id"])].add(str(r["target_id"]))
    assert any(a in owns[b] for a in list(owns) for b in owns[a])  # A holds B and B holds A

    def cycle_through(start: str, node: str, depth: int) -> bool:
        return any(nxt == start or (depth > 1 and cycle_through(start, nxt, depth - 1)) for nxt in owns[node])

    # A longer cycle A -> B -> C (-> D) -> A.
    assert any(
        cycle_through(a, c, 2)
        for a in list(owns)
        for b in list(owns[a])
        for c in list(owns[b])
        if c != a and a not in owns[b]
    )


def test_legal_representative_changes(data: Data) -> None:
    changed = [
        org
        for org, roles in data.roles_at.items()
        if any(r["role"] == RoleType.LEGAL_REPRESENTATIVE and r["valid_to"] for r in roles)
        and any(r["role"] == RoleType.LEGAL_REPRESENTATIVE and r["valid_to"] is None for r in roles)
    ]
    assert changed
    # Some serious entry's act happened under the previous legal representative.
    assert any(
        e["severity"] == SERIOUS
        and e["act_date"]
        and data.holders(org, RoleType.LEGAL_REPRESENTATIVE, str(e["act_date"]))
        != data.holders(org, RoleType.LEGAL_REPRESENTATIVE, AS_OF)
        for org in changed
        for e in data.entries_of[org]
    )


# ---------------------------------------------------------------------------------------------------
# Planted scenarios (one per rule of the engine)
# ---------------------------------------------------------------------------------------------------


def _serious_org_entries(data: Data) -> Iterator[tuple[str, Row]]:
    for e in data.entries:
        org = str(e["subject_id"])
        if e["severity"] == SERIOUS and data.kind[org] in ORGANISATION_KINDS and in_force(e):
            yield org, e


def test_p1_p3_p4_organisation_with_every_role_holder(data: Data) -> None:
    wanted = {
        RoleType.LEGAL_REPRESENTATIVE,
        RoleType.MAIN_PERSON_IN_CHARGE,
        RoleType.REGISTERED_PRACTITIONER,
        RoleType.DIRECTOR,
        RoleType.SHAREHOLDER,
        RoleType.SENIOR_MANAGER,
    }
    full = [
        (org, e)
        for org, e in _serious_org_entries(data)
        if data.kind[org] == SubjectKind.ENTERPRISE
        and wanted <= {str(r["role"]) for r in data.roles_at[org] if held(r, str(e["act_date"] or AS_OF))}
    ]
    assert full
    with_findings = [(org, e) for org, e in full if data.findings[str(e["entry_id"])]]
    assert with_findings and len(with_findings) < len(full)
    # Findings name directors, shareholders, practitioners of the organisation, and persons with no role.
    found_roles: set[str] = set()
    no_role = False
    for org, e in with_findings:
        for f in data.findings[str(e["entry_id"])]:
            roles = {str(r["role"]) for r in data.roles_at[org] if r["source_id"] == f["person_id"]}
            found_roles |= roles
            no_role = no_role or not roles
    assert {RoleType.DIRECTOR, RoleType.SHAREHOLDER, RoleType.REGISTERED_PRACTITIONER} <= found_roles
    assert no_role
    # Serious entries on the other organisation kinds too, with their main persons in charge.
    for kind in (SubjectKind.PUBLIC_INSTITUTION, SubjectKind.SOCIAL_ORG, SubjectKind.GOVERNMENT):
        assert any(
            data.kind[org] == kind and data.holders(org, RoleType.MAIN_PERSON_IN_CHARGE, AS_OF)
            for org, _ in _serious_org_entries(data)
        ), kind


def test_p5_serious_illegal_lr_leads_another_enterprise(data: Data) -> None:
    def leaders(org: str, on: str) -> set[str]:
        return set(data.holders(org, RoleType.LEGAL_REPRESENTATIVE, on)) | set(
            data.holders(org, RoleType.PERSON_IN_CHARGE, on)
        )

    hits = []
    for e in data.entries:
        if e["list_type"] != ListType.SERIOUS_ILLEGAL or not in_force(e):
            continue
        org = str(e["subject_id"])
        for person in leaders(org, str(e["determined_on"])):
            for r in data.roles_of[person]:
                if (
                    r["role"] in (RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE)
                    and r["target_id"] != org
                    and data.kind[str(r["target_id"])] == SubjectKind.ENTERPRISE
                    and held(r, AS_OF)
                ):
                    hits.append((org, person, r["role"], str(r["valid_from"]) > str(e["determined_on"])))
    assert {role for _, _, role, _ in hits} >= {RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE}
    assert any(after for *_, after in hits)  # appointed after the determination


def test_p6_court_defaulter_is_lr_of_public_institution(data: Data) -> None:
    assert any(
        e["list_type"] == ListType.COURT_DEFAULTER
        and in_force(e)
        and data.kind[str(e["subject_id"])] == SubjectKind.PERSON
        and any(
            r["role"] == RoleType.LEGAL_REPRESENTATIVE
            and data.kind[str(r["target_id"])] == SubjectKind.PUBLIC_INSTITUTION
            and held(r, AS_OF)
            for r in data.roles_of[str(e["subject_id"])]
        )
        for e in data.entries
    )


def test_p8_related_enterprises_with_actual_controllers(data: Data) -> None:
    def related(org: str) -> set[str]:
        out = {str(r["source_id"]) for r in data.roles_at[org] if r["role"] == RoleType.RELATED_ENTERPRISE}
        return out | {str(r["target_id"]) for r in data.roles_of[org] if r["role"] == RoleType.RELATED_ENTERPRISE}

    controllers: set[str] = set()
    for org, _ in _serious_org_entries(data):
        for other in related(org):
            controllers |= set(data.holders(other, RoleType.ACTUAL_CONTROLLER, AS_OF))
    kinds = {data.kind[c] for c in controllers}
    assert SubjectKind.PERSON in kinds and SubjectKind.ENTERPRISE in kinds


def test_w1_focus_entries_across_domains(data: Data) -> None:
    domains_of: defaultdict[str, list[str]] = defaultdict(list)
    for e in data.entries:
        if e["list_type"] == ListType.FOCUS and in_force(e):
            domains_of[str(e["subject_id"])].append(str(e["domain"]))
    distinct = [len(set(d)) for d in domains_of.values()]
    assert max(distinct) >= 3
    assert 2 in distinct
    assert any(len(d) >= 3 and len(set(d)) == 1 for d in domains_of.values())
    kinds = {data.kind[s] for s, d in domains_of.items() if len(set(d)) >= 3}
    assert SubjectKind.ENTERPRISE in kinds and len(kinds) >= 2


def test_w2_serious_act_within_focus_validity(data: Data) -> None:
    within = before = 0
    for entries in data.entries_of.values():
        focus = [e for e in entries if e["list_type"] == ListType.FOCUS]
        serious = [e for e in entries if e["severity"] == SERIOUS and e["act_date"]]
        for f in focus:
            for s in serious:
                act = str(s["act_date"])
                if str(f["determined_on"]) <= act and (f["valid_until"] is None or act <= str(f["valid_until"])):
                    within += 1
                elif act < str(f["determined_on"]):
                    before += 1
    assert within >= 2 and before >= 1


def test_w3_red_and_black(data: Data) -> None:
    before = during = False
    for entries in data.entries_of.values():
        reds = [str(e["determined_on"]) for e in entries if e["list_type"] == ListType.RED]
        blacks = [str(e["determined_on"]) for e in entries if e["list_type"] == ListType.BLACK and in_force(e)]
        before = before or any(r < b for r in reds for b in blacks)
        during = during or any(r > b for r in reds for b in blacks)
    assert before and during


def test_w4_v1_v2_statuses(data: Data) -> None:
    assert any(e["list_type"] == ListType.BLACK and e["status"] == EntryStatus.EXITED for e in data.entries)
    assert any(e["status"] == EntryStatus.OBJECTION_PENDING and e["severity"] == SERIOUS for e in data.entries)
    assert any(e["status"] == EntryStatus.SUSPENDED for e in data.entries)
    assert any(e["valid_until"] is not None and str(e["valid_until"]) < AS_OF for e in data.entries)
    assert any(e["act_date"] is None and e["severity"] == SERIOUS for e in data.entries)


def test_p7_joint_punishment_on_a_holding_hub(data: Data) -> None:
    holdings = Counter(str(r["source_id"]) for r in data.roles if r["role"] == RoleType.SHAREHOLDER)
    assert any(
        holdings[org] >= 4 and data.holders(org, RoleType.LEGAL_REPRESENTATIVE, AS_OF)
        for org, e in _serious_org_entries(data)
        if e["list_type"] == ListType.MAJOR_TAX_CASE and data.kind[org] == SubjectKind.ENTERPRISE
    )


# ---------------------------------------------------------------------------------------------------
# End to end: the canonical loader accepts the files and every rule of the engine fires
# ---------------------------------------------------------------------------------------------------


def test_loads_and_every_rule_fires(data: Data, tmp_path: Path) -> None:
    import datetime as dt

    from graphsvc.engine import evaluate
    from graphsvc.profiles import load_profile
    from graphsvc.rules.table import RULE_IDS
    from graphsvc.stores.embedded import EmbeddedStore
    from loaders.canonical import load_directory

    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        report = load_directory(data.summary.out_dir, store)
        assert not report.problems
        records = evaluate(store, load_profile("default"), dt.date(2026, 6, 30)).records.to_pylist()
    fired = Counter(str(r["rule"]) for r in records)
    assert set(RULE_IDS) <= set(fired), set(RULE_IDS) - set(fired)
    effects = {str(r["effect"]) for r in records}
    assert {"appointment_ban_violation", "public_institution_lr_violation", "red_removed", "red_refused"} <= effects
