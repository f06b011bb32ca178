"""Policy as data: one rule model for both stores, vocabulary tables, and the readings of the seeds they carry.

Scenarios run on both stores through the ``derive`` fixture (records must be identical). Requirement ids and
the sections of the policy texts are named in each test's docstring.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graphsvc.context import build_context
from graphsvc.decisions import Action, decide
from graphsvc.errors import LoadRejected, ProfileError
from graphsvc.profiles import load_profile, parse_profile
from graphsvc.rules.shapes import SHAPES, Shape
from graphsvc.rules.table import RULES, Reach, RuleSpec, Trigger
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.embedded_rules import COMPILERS
from graphsvc.stores.neo4j_rules import PLANS
from graphsvc.vocab import ListType, RoleType, SubjectKind, values
from graphsvc.vocabulary import ACTIONS, EffectInfo, Resolver, resolvers, vocabulary
from loaders.canonical import load_directory
from tests.conftest import Derive, reached, subjects_of
from tests.scenario import Scenario

AS_OF = dt.date(2024, 6, 30)


# -- the tables agree with each other ----------------------------------------------------------------------------


def test_every_shape_compiles_on_both_stores() -> None:
    assert set(SHAPES) == set(Shape) == set(COMPILERS) == set(PLANS)


def test_every_rule_effect_has_labels_a_verdict_per_action_and_a_known_warning_list() -> None:
    vocab = vocabulary()
    for rule in RULES.values():
        for effect in rule.effects.values():
            info = vocab.effects[effect]
            assert info.zh and info.en
            assert all(info.verdict(action) for action in ACTIONS)
            assert info.warning_list is None or info.warning_list in vocab.warning_lists


def test_the_enumerations_in_code_are_the_vocabulary_tables() -> None:
    vocab = vocabulary()
    assert set(vocab.list_types) == values(ListType)
    assert set(vocab.roles) == values(RoleType)
    assert tuple(a.value for a in Action) == ACTIONS


def test_black_class_lists_are_what_w3_and_w4_compare() -> None:
    context = build_context(load_profile("default"), AS_OF)
    assert set(context.black_class) == {
        "black", "serious_illegal", "court_defaulter", "major_tax_case", "listed_company_violation",
        "safety_production", "finance_serious", "gov_dishonesty",
    }  # fmt: skip
    assert context.incentive == ("red",)
    assert context.remove_conflicting_red


@pytest.mark.parametrize("table", ["list_type", "role", "domain"])
def test_every_alias_resolves_to_its_slug(table: str) -> None:
    vocab = vocabulary()
    rows = {"list_type": vocab.list_types, "role": vocab.roles, "domain": vocab.domains}[table]
    resolver = resolvers()[table]
    for slug, item in rows.items():
        for alias in (slug, item.zh, *item.aliases):
            assert resolver.resolve(alias) == slug, alias


def test_a_value_outside_a_table_is_refused_with_the_nearest_match() -> None:
    refusal = Resolver("domain", vocabulary().domains).refusal("construction_qualty")
    assert "did you mean construction_quality?" in refusal and "food_drug" in refusal


def test_main_person_in_charge_is_a_person_in_charge() -> None:
    """001 三(三), 003 三(二): 负责人 covers the 主要负责人."""
    reaching = vocabulary().roles_reaching(["person_in_charge"])
    assert set(reaching) == {"person_in_charge", "main_person_in_charge"}
    assert vocabulary().roles_reaching(["main_person_in_charge"]) == ("main_person_in_charge",)


# -- a new rule is a table row and a profile line ----------------------------------------------------------------

P9 = RuleSpec(
    id="P9",
    shape=Shape.PROPAGATION,
    title="Supervisors of seriously untrustworthy enterprises notified",
    title_zh="严重失信企业监事提示",
    trigger_text="an enterprise has an in-force serious entry",
    targets_text="its supervisors on the role date",
    effects={"record": "supervisor_notice"},
    requirements=("PROP-04",),
    sources={"001": "三(三)"},
    trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), severity="serious"),
    reach=Reach(roles=(RoleType.SUPERVISOR,)),
    explanation="{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; notified of "
    "{list_type} entry {source_entry_id}",
    path="{subject_id} -{via}-> {related_id} {entry}",
)
_CUSTOM = """name: custom
title: custom
seed: "001"
objection_policy: suspend
validity: {mode: open_ended}
role_timing: act_date
rules: {P9: {enabled: true}}
"""


def test_an_added_propagation_rule_runs_on_both_stores_with_explanation_and_path(
    derive: Derive, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = RULES.with_rules(P9)
    notice = EffectInfo.model_validate(
        {
            "zh": "监事提示",
            "en": "Supervisor notice",
            "verdicts": {"otherwise": "info"},
            "audience": "government",
            "audience_basis": "a notice for the departments",
        }
    )
    extended = vocabulary().with_effects({"supervisor_notice": notice})
    with pytest.raises(ProfileError, match="unknown rule id"):
        parse_profile("custom", _CUSTOM, "test")  # not in the bundled table
    with pytest.raises(ProfileError, match=r"unknown effect\(s\) \['supervisor_notice'\]"):
        parse_profile("custom", _CUSTOM, "test", table=table)  # the effect is not in the vocabulary
    monkeypatch.setattr("graphsvc.profiles.vocabulary", lambda: extended)
    monkeypatch.setattr("graphsvc.context.vocabulary", lambda: extended)
    profile = parse_profile("custom", _CUSTOM, "test", table=table)
    s = Scenario()
    firm, other = s.org("某某有限公司"), s.org("无关有限公司")
    watcher, elsewhere = s.person("监一"), s.person("监二")
    s.role(watcher, "supervisor", firm)
    s.role(elsewhere, "supervisor", other)
    entry = s.entry(firm, "black")
    records = derive(s, profile, table=table)
    assert reached(records, "P9") == {(watcher, firm)}
    record = next(r for r in records if r["rule"] == "P9")
    assert record["effect"] == "supervisor_notice"
    assert record["path"] == f"{watcher} -supervisor-> {firm} [black {entry}]"
    assert "was supervisor of 某某有限公司" in record["explanation"]
    assert record["citation"] == "PROP-04; 《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》三(三)"


def test_a_profile_parameter_the_shape_does_not_take_is_refused() -> None:
    text = _CUSTOM.replace("{P9: {enabled: true}}", "{W1: {enabled: true, ban_years: 3}}")
    with pytest.raises(ProfileError, match=r"rule W1 \(domain_count\) takes no ban_years"):
        parse_profile("custom", text, "test")


def test_a_derived_effect_unknown_to_the_vocabulary_is_an_error_not_info() -> None:
    record = {"rule": "P9", "effect": "unheard_of", "subject_id": "P1", "source_entry_id": "E1", "related_id": None,
              "path": "", "explanation": "", "citation": "", "legal_basis": None, "department": None,
              "valid_until": None}  # fmt: skip
    with pytest.raises(ProfileError, match="unheard_of"):
        decide("P1", Action.CHECK, [], [record])


# -- 1. severity of the national serious lists (001 三(三)) --------------------------------------------------------


@pytest.mark.parametrize("list_type", ["court_defaulter", "major_tax_case", "finance_serious", "safety_production"])
def test_empty_severity_on_a_national_serious_list_is_serious(derive: Derive, list_type: str) -> None:
    """001 三(三) names these lists 严重失信主体: an entry that states no severity propagates like a serious one."""
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("赵一")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, list_type, severity="", domain="finance")
    assert subjects_of(derive(s), "P1") == {lr}


def test_jiangsu_gives_an_unstated_court_defaulter_entry_three_years(derive: Derive) -> None:
    """VAL-01 (004 MB 第三十条): 严重失信为3年, counted from 认定之日."""
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("钱二")
    s.role(lr, "legal_representative", firm)
    entry = s.entry(firm, "court_defaulter", severity="", determined_on="2022-03-01", act_date=None, domain="judicial")
    s.finding(lr, entry)
    assert subjects_of(derive(s, "jiangsu", as_of="2025-03-01"), "P1") == {lr}
    assert subjects_of(derive(s, "jiangsu", as_of="2025-03-02"), "P1") == set()


def test_daqing_reads_the_abnormal_operation_directory_as_serious(derive: Derive) -> None:
    """001 三(三) 被列入经营异常名录…等严重失信主体 (daqing severity_defaults); elsewhere it is general."""
    s = Scenario()
    firm = s.org("大庆某某有限公司")
    lr = s.person("孙三")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "abnormal_operation", severity="")
    assert subjects_of(derive(s, "daqing"), "P1") == {lr}
    assert subjects_of(derive(s, "default"), "P1") == set()


def test_a_stated_general_severity_is_kept(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    s.role(s.person("李四"), "legal_representative", firm)
    s.entry(firm, "major_tax_case", severity="general", domain="tax")
    assert subjects_of(derive(s), "P1") == set()


# -- 2. W3 against every black-class list; the red entry leaves force (004 JI(六)) ------------------------------


@pytest.mark.parametrize("black_class", ["serious_illegal", "court_defaulter"])
def test_w3_flags_red_beside_any_black_class_entry(derive: Derive, black_class: str) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    red = s.entry(firm, "red", determined_on="2020-01-01", act_date=None)
    s.entry(firm, black_class, domain="judicial")
    records = derive(s)
    assert {(r["effect"], r["related_entry_id"]) for r in records if r["rule"] == "W3"} == {("red_removed", red)}


def test_a_conflicting_red_entry_is_out_of_force_published_and_blocks_red_incentives(tmp_path: Path) -> None:
    """LST-10, 004 JI(六) 应将其从相关红名单中删除: from the black-class entry's determination date."""
    s = Scenario()
    firm, clean = s.org("某某有限公司"), s.org("守信有限公司")
    red = s.entry(firm, "red", determined_on="2020-01-01", act_date=None)
    clean_red = s.entry(clean, "red", determined_on="2020-01-01", act_date=None)
    s.entry(firm, "court_defaulter", determined_on="2024-03-01", domain="judicial")
    with EmbeddedStore(tmp_path / "s.duckdb") as store:
        load_directory(s.write(tmp_path / "in"), store)
        before = store.entries_in_force(build_context(load_profile("default"), dt.date(2024, 2, 29))).to_pylist()
        after = store.entries_in_force(build_context(load_profile("default"), AS_OF)).to_pylist()
        kunming = store.entries_in_force(build_context(load_profile("kunming"), AS_OF)).to_pylist()
    assert red in {e["entry_id"] for e in before}
    assert red not in {e["entry_id"] for e in after} and clean_red in {e["entry_id"] for e in after}
    assert red in {e["entry_id"] for e in kunming}  # no W3 in 002: nothing removes it there


def test_grant_red_incentive_is_blocked_by_the_conflict(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    s.entry(firm, "red", determined_on="2020-01-01", act_date=None)
    s.entry(firm, "serious_illegal", domain="market_supervision")
    w3 = [r for r in derive(s) if r["rule"] == "W3"]
    decision = decide(firm, Action.GRANT_RED_INCENTIVE, [], w3)
    assert decision.verdict == "blocked"


# -- 3. 主要负责人 is a 负责人 (P4, P5) ------------------------------------------------------------------------------


def test_p5_bans_the_main_person_in_charge_and_counts_main_person_appointments(derive: Derive) -> None:
    """PROP-05, 001 三(三) 法定代表人、负责人，3年内不得担任其他企业的法定代表人、负责人."""
    s = Scenario()
    listed, other, third = s.org("严重违法有限公司"), s.org("另一有限公司"), s.org("第三有限公司")
    main, later = s.person("周五"), s.person("吴六")
    s.role(main, "main_person_in_charge", listed)
    s.role(main, "main_person_in_charge", other)
    s.role(later, "legal_representative", listed)
    s.role(later, "main_person_in_charge", third, since="2024-05-01")
    s.entry(listed, "serious_illegal")
    records = derive(s, "daqing")
    assert subjects_of(records, "P5", "appointment_ban") == {main, later}
    assert reached(records, "P5", "appointment_ban_violation") == {(main, other), (later, third)}
    violation = next(r for r in records if r["rule"] == "P5" and r["related_id"] == third)
    assert f"{later} -main_person_in_charge-> {third}" in violation["path"]


# -- 4. P8 reaches the listed organisation's own actual controller (003 三(二)) -------------------------------------


def test_p8_own_and_related_controllers_are_profile_switches(derive: Derive, tmp_path: Path) -> None:
    s = Scenario()
    serious, related = s.org("淄博甲有限公司"), s.org("淄博乙有限公司")
    own, theirs = s.person("郑七"), s.person("王八")
    s.role(serious, "related_enterprise", related)
    s.role(own, "actual_controller", serious)
    s.role(theirs, "actual_controller", related)
    s.entry(serious, "black")
    both = derive(s, "zhoucun")
    assert reached(both, "P8") == {(own, serious), (theirs, related)}
    own_record = next(r for r in both if r["rule"] == "P8" and r["subject_id"] == own)
    assert (
        own_record["path"].endswith(f"<-actual_controller- {own}")
        and "the listed organisation" in own_record["explanation"]
    )
    text = (Path(__file__).parents[1].joinpath("graphsvc/profiles/zhoucun.yaml").read_text(encoding="utf-8")).replace(
        "own_controllers: true", "own_controllers: false"
    )
    only_related = parse_profile("zhoucun-related", text, "test")
    assert reached(derive(s, only_related), "P8") == {(theirs, related)}


# -- 5. W1 counts key domains (001 四(六), 五(二)) -------------------------------------------------------------------


def test_w1_counts_key_domains_not_sub_domains_or_other(derive: Derive) -> None:
    s = Scenario()
    fine, mixed = s.org("细分领域有限公司"), s.org("三个重点领域有限公司")
    # product_quality and construction_quality are one key domain (质量安全); other never counts
    for domain in ("product_quality", "construction_quality", "other"):
        s.entry(fine, "focus", severity="general", domain=domain)
    for domain in ("product_quality", "tax", "judicial"):
        s.entry(mixed, "focus", severity="general", domain=domain)
    records = derive(s, "daqing")
    assert subjects_of(records, "W1") == {mixed}


def test_w1_without_a_key_domain_mapping_counts_domains_except_other(derive: Derive) -> None:
    text = (
        "name: plain\ntitle: plain\nseed: null\nobjection_policy: suspend\nvalidity: {mode: open_ended}\n"
        "role_timing: act_date\nrules: {W1: {enabled: true}}\n"
    )
    plain = parse_profile("plain", text, "test")
    s = Scenario()
    subject, with_other = s.org("甲有限公司"), s.org("乙有限公司")
    for domain in ("product_quality", "construction_quality", "medical_health"):
        s.entry(subject, "focus", severity="general", domain=domain)
    for domain in ("product_quality", "construction_quality", "other"):
        s.entry(with_other, "focus", severity="general", domain=domain)
    assert subjects_of(derive(s, plain), "W1") == {subject}


# -- 6. W4 starts on every way out of force (004 JI(十七)) ---------------------------------------------------------


def test_w4_starts_on_expiry_and_repair_from_the_day_after_force_ended(derive: Derive) -> None:
    s = Scenario()
    expired, repaired, revoked, active = (s.org(n) for n in ("甲公司", "乙公司", "丙公司", "丁公司"))
    dates = {"determined_on": "2020-01-01", "act_date": None, "valid_until": "2023-12-31"}
    gone = s.entry(expired, "court_defaulter", domain="judicial", **dates)  # type: ignore[arg-type]
    s.entry(repaired, "black", status="repaired", status_since="2024-05-10")
    s.entry(revoked, "black", status="revoked", status_since="2024-05-10")
    s.entry(active, "black")
    records = derive(s, "jiangsu")
    w4 = {r["subject_id"]: r for r in records if r["rule"] == "W4"}
    assert set(w4) == {expired, repaired}
    assert w4[expired]["valid_from"] == dt.date(2024, 1, 1) and w4[expired]["source_entry_id"] == gone
    assert w4[repaired]["valid_from"] == dt.date(2024, 5, 10)
    assert "left the court_defaulter list" in w4[expired]["explanation"]


# -- loaders read the vocabulary: aliases become slugs, unknown values are refused with a suggestion --------------


def test_loaders_store_aliases_as_slugs(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    chair = s.person("冯九")
    s.role(chair, "董事长", firm)
    s.entry(firm, "黑名单", domain="食品安全")
    with EmbeddedStore(tmp_path / "s.duckdb") as store:
        load_directory(s.write(tmp_path / "in"), store)
        entries = store.current_entries().to_pylist()
        facts = store.subject_facts(chair)
    assert [(e["list_type"], e["domain"], e["severity"]) for e in entries] == [("black", "food_drug", "serious")]
    assert [r["role"] for r in facts["roles"].to_pylist()] == ["director"]


def test_loaders_refuse_unknown_values_with_the_nearest_match(tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    s.role(s.person("陈十"), "legal_represntative", firm)
    s.entry(firm, "black", domain="construction_qualty")
    with EmbeddedStore(tmp_path / "s.duckdb") as store, pytest.raises(LoadRejected) as rejected:
        load_directory(s.write(tmp_path / "in"), store)
    reasons = {(p.file, p.column): p.reason for p in rejected.value.problems}
    assert "did you mean legal_representative?" in reasons["roles.csv", "role"]
    assert "did you mean construction_quality?" in reasons["entries.csv", "domain"]
    assert "expected one of" in reasons["entries.csv", "domain"]


def test_the_typed_records_are_the_schemas() -> None:
    """One definition of the rule row and the derived record, beside their Arrow schemas; the API extends it."""
    from api.models import DerivedRecord as Answered
    from graphsvc.stores.base import DERIVED_FIELDS, RULE_OUTPUT_SCHEMA, DerivedRecord, RuleRow

    assert tuple(DerivedRecord.model_fields) == DERIVED_FIELDS
    assert tuple(RuleRow.__annotations__) == tuple(RULE_OUTPUT_SCHEMA.names)
    assert set(Answered.model_fields) == {*DERIVED_FIELDS, "record_id", "warning_list"}
