"""Person → organisation bans (P5, P6), related controllers (P8) and warnings (W1-W4)."""

from __future__ import annotations

from tests.conftest import Derive, reached, subjects_of
from tests.scenario import Scenario

# -- P5 (PROP-05): 3-year appointment ban, Daqing ----------------------------------------------------------------


def _serious_illegal(s: Scenario) -> tuple[str, str, str, str]:
    listed = s.org("大庆某某石化有限公司")
    lr, pic = s.person("张三"), s.person("李四")
    s.role(lr, "legal_representative", listed)
    s.role(pic, "person_in_charge", listed)
    entry = s.entry(listed, "serious_illegal", determined_on="2024-03-01")
    return listed, lr, pic, entry


def test_p5_scenario_1_lr_of_listed_enterprise_registered_at_another_within_3_years(derive: Derive) -> None:
    """§9.12 scenario 1: alert under Daqing; no effect under profiles without PROP-05."""
    s = Scenario()
    _listed, lr, pic, entry = _serious_illegal(s)
    other = s.org("大庆另一家有限公司")
    s.role(lr, "legal_representative", other, since="2025-01-10")
    records = derive(s, "daqing", as_of="2025-06-30")
    assert reached(records, "P5", "appointment_ban") == {(lr, None), (pic, None)}
    assert reached(records, "P5", "appointment_ban_violation") == {(lr, other)}
    ban = next(r for r in records if r["rule"] == "P5" and r["subject_id"] == lr and r["related_id"] is None)
    assert ban["valid_until"].isoformat() == "2027-03-01"
    assert ban["source_entry_id"] == entry
    for profile in ("lianping", "kunming", "zhoucun", "jiangsu"):
        assert subjects_of(derive(s, profile, as_of="2025-06-30"), "P5") == set()


def test_p5_existing_appointment_is_a_violation_and_the_listed_firm_itself_is_not(derive: Derive) -> None:
    s = Scenario()
    _listed, lr, _pic, _ = _serious_illegal(s)
    other = s.org("已任职有限公司")
    s.role(lr, "person_in_charge", other, since="2020-01-01")
    records = derive(s, "daqing", as_of="2024-06-30")
    assert reached(records, "P5", "appointment_ban_violation") == {(lr, other)}


def test_p5_ends_after_the_ban_years(derive: Derive) -> None:
    s = Scenario()
    _listed, lr, _pic, _ = _serious_illegal(s)
    other = s.org("后来的有限公司")
    s.role(lr, "legal_representative", other, since="2027-03-02")
    assert subjects_of(derive(s, "daqing", as_of="2027-03-01"), "P5") == {lr, _pic}
    assert subjects_of(derive(s, "daqing", as_of="2027-03-02"), "P5") == set()


def test_p5_reaches_only_lr_and_person_in_charge_and_only_enterprise_appointments(derive: Derive) -> None:
    s = Scenario()
    listed, lr, _pic, _ = _serious_illegal(s)
    director, manager = s.person("王五"), s.person("赵六")
    s.role(director, "director", listed)
    s.role(manager, "senior_manager", listed)
    school = s.org("某某学校", kind="public_institution")
    s.role(lr, "legal_representative", school)
    other = s.org("另一有限公司")
    s.role(lr, "director", other)  # a directorship is not a banned appointment
    records = derive(s, "daqing")
    assert director not in subjects_of(records, "P5")
    assert manager not in subjects_of(records, "P5")
    assert reached(records, "P5", "appointment_ban_violation") == set()


def test_p5_other_black_lists_do_not_trigger_the_ban(derive: Derive) -> None:
    """requirements.md §8.4: only the 严重违法失信企业名单."""
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("钱七")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "black")
    assert subjects_of(derive(s, "daqing"), "P5") == set()


# -- P6 (PROP-06): court defaulter as LR of a public institution -------------------------------------------------


def test_p6_court_defaulter_as_legal_representative_of_public_institution(derive: Derive) -> None:
    s = Scenario()
    person = s.person("孙八")
    hospital = s.org("某某人民医院", kind="public_institution")
    firm = s.org("某某有限公司")
    s.role(person, "legal_representative", hospital)
    s.role(person, "legal_representative", firm)  # not a public institution: not a P6 violation
    s.entry(person, "court_defaulter", domain="judicial")
    records = derive(s, "daqing")
    assert reached(records, "P6", "public_institution_lr_ban") == {(person, None)}
    assert reached(records, "P6", "public_institution_lr_violation") == {(person, hospital)}


def test_p6_not_reached_without_court_defaulter_entry_or_after_role_ended(derive: Derive) -> None:
    s = Scenario()
    clean, former = s.person("周九"), s.person("吴十")
    hospital = s.org("某某卫生院", kind="public_institution")
    s.role(clean, "legal_representative", hospital)
    s.role(former, "legal_representative", hospital, since="2010-01-01", until="2023-12-31")
    s.entry(former, "court_defaulter", domain="judicial")
    records = derive(s, "daqing")
    assert subjects_of(records, "P6", "public_institution_lr_violation") == set()
    assert subjects_of(records, "P6") == {former}
    assert subjects_of(derive(s, "kunming"), "P6") == set()


# -- P8 (PROP-08): actual controllers of related enterprises, Zhoucun ---------------------------------------------


def test_p8_reaches_actual_controller_of_related_enterprise(derive: Derive) -> None:
    s = Scenario()
    serious = s.org("淄博某某化工有限公司", region="370306")
    related = s.org("淄博某某贸易有限公司", region="370306")
    unrelated = s.org("淄博无关有限公司", region="370306")
    controller, other_controller, own_controller = s.person("齐一"), s.person("鲁二"), s.person("燕三")
    s.role(related, "related_enterprise", serious)  # asserted, either direction
    s.role(controller, "actual_controller", related)
    s.role(other_controller, "actual_controller", unrelated)
    s.role(own_controller, "actual_controller", serious)
    s.entry(serious, "black")
    records = derive(s, "zhoucun")
    # 003 三(二) 对严重失信主体（包括关联企业实际控制人）: the listed firm's own controller and the related firm's
    assert reached(records, "P8") == {(controller, related), (own_controller, serious)}
    assert subjects_of(derive(s, "daqing"), "P8") == set()


def test_p8_ignores_ended_relations_and_controls(derive: Derive) -> None:
    s = Scenario()
    serious, related = s.org("甲有限公司"), s.org("乙有限公司")
    controller = s.person("楚四")
    s.role(serious, "related_enterprise", related, until="2024-01-01")
    s.role(controller, "actual_controller", related)
    s.entry(serious, "black")
    assert subjects_of(derive(s, "zhoucun"), "P8") == set()


# -- W1 (LST-14): big-data warning -----------------------------------------------------------------------------


def test_w1_scenario_2_three_distinct_domains_warn(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某食品有限公司")
    for domain in ("food_drug", "tax", "environment"):
        s.entry(subject, "focus", severity="general", domain=domain)
    records = derive(s, "daqing")
    assert reached(records, "W1") == {(subject, None)}
    warning = next(r for r in records if r["rule"] == "W1")
    assert "3 distinct key domains (环境保护, 税务, 食品药品安全)" in warning["explanation"]
    assert "LST-14" in warning["citation"]
    assert "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》四(六)" in warning["citation"]


def test_w1_two_domains_or_three_entries_in_one_domain_do_not_warn(derive: Derive) -> None:
    s = Scenario()
    two, one = s.org("两领域有限公司"), s.org("单领域有限公司")
    s.entry(two, "focus", severity="general", domain="tax")
    s.entry(two, "focus", severity="general", domain="finance")
    for _ in range(3):
        s.entry(one, "focus", severity="general", domain="tax")
    assert subjects_of(derive(s, "daqing"), "W1") == set()


def test_w1_expired_or_suspended_focus_entries_do_not_count(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    s.entry(subject, "focus", severity="general", domain="tax")
    s.entry(subject, "focus", severity="general", domain="finance")
    s.entry(subject, "focus", severity="general", domain="environment", valid_until="2024-05-31")
    s.entry(subject, "focus", severity="general", domain="customs", status="suspended")
    assert subjects_of(derive(s, "daqing", as_of="2024-06-30"), "W1") == set()
    assert subjects_of(derive(s, "daqing", as_of="2024-05-31"), "W1") == {subject}


def test_w1_only_where_the_profile_enables_it(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    for domain in ("food_drug", "tax", "environment"):
        s.entry(subject, "focus", severity="general", domain=domain)
    assert subjects_of(derive(s, "jiangsu"), "W1") == set()


# -- W2 (LST-15): focus → black candidate ------------------------------------------------------------------------


def test_w2_scenario_3_serious_act_within_focus_validity(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    focus = s.entry(subject, "focus", severity="fairly_serious", determined_on="2024-01-10", act_date="2024-01-02")
    serious = s.entry(
        subject,
        "court_defaulter",
        domain="judicial",
        act_date="2024-02-01",
        determined_on="2024-03-01",
        department="大庆市中级人民法院",
    )
    records = derive(s, "daqing")
    w2 = [r for r in records if r["rule"] == "W2"]
    assert [(r["subject_id"], r["source_entry_id"], r["related_entry_id"]) for r in w2] == [(subject, serious, focus)]
    assert w2[0]["department"] == "大庆市市场监督管理局"  # the focus entry's designating department
    assert "prior notice" in w2[0]["explanation"]


def test_w2_no_candidate_for_acts_before_the_focus_entry_or_non_serious_acts(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    s.entry(subject, "focus", severity="general", determined_on="2024-03-01", act_date="2024-02-01")
    s.entry(
        subject,
        "major_tax_case",
        severity="serious",
        domain="tax",
        act_date="2023-12-01",
        determined_on="2024-04-01",
    )
    s.entry(subject, "abnormal_operation", severity="general", act_date="2024-04-01", determined_on="2024-04-02")
    assert subjects_of(derive(s, "daqing"), "W2") == set()


def test_w2_not_raised_once_the_department_black_listed_the_subject(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    s.entry(subject, "focus", severity="general", determined_on="2024-01-10", act_date="2024-01-02")
    s.entry(subject, "black", act_date="2024-02-01", determined_on="2024-03-01")
    assert subjects_of(derive(s, "daqing"), "W2") == set()


# -- W3 (LST-07, LST-10): red/black conflicts --------------------------------------------------------------------


def test_w3_scenario_4_black_removes_earlier_red_and_refuses_later_red(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    early_red = s.entry(subject, "red", determined_on="2023-05-01", act_date=None, severity=None)
    black = s.entry(subject, "black", determined_on="2024-03-01")
    late_red = s.entry(subject, "red", determined_on="2024-05-01", act_date=None, severity=None)
    records = derive(s, "jiangsu")
    w3 = {(r["related_entry_id"], r["effect"]) for r in records if r["rule"] == "W3"}
    assert w3 == {(early_red, "red_removed"), (late_red, "red_refused")}
    assert {r["source_entry_id"] for r in records if r["rule"] == "W3"} == {black}


def test_w3_no_conflict_without_an_in_force_black_entry(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    s.entry(subject, "red", determined_on="2023-05-01", act_date=None, severity=None)
    s.entry(subject, "black", determined_on="2020-03-01", act_date="2020-01-01")  # expired under Jiangsu (3 years)
    s.entry(subject, "focus", severity="general")
    assert subjects_of(derive(s, "jiangsu"), "W3") == set()
    assert subjects_of(derive(s, "daqing"), "W3") == {subject}  # open-ended validity in Daqing
    assert subjects_of(derive(s, "kunming"), "W3") == set()  # not in the Kunming seed


# -- W4 (EXIT-02): post-exit monitoring ---------------------------------------------------------------------------


def test_w4_scenario_10_exited_black_entry_stays_under_monitoring(derive: Derive) -> None:
    s = Scenario()
    subject = s.org("某某有限公司")
    lr = s.person("退出人")
    s.role(lr, "legal_representative", subject)
    entry = s.entry(subject, "black", status="exited", status_since="2024-05-01")
    records = derive(s, "jiangsu", as_of="2024-06-30")
    w4 = [r for r in records if r["rule"] == "W4"]
    assert [(r["subject_id"], r["source_entry_id"], r["valid_from"].isoformat()) for r in w4] == [
        (subject, entry, "2024-05-01")
    ]
    assert subjects_of(records, "P1") == set()  # the exited entry no longer propagates (EXIT-02: 停止…聯合獎懲)


def test_w4_not_before_the_exit_and_not_for_other_lists(derive: Derive) -> None:
    s = Scenario()
    subject, other = s.org("某某有限公司"), s.org("另一有限公司")
    s.entry(subject, "black", status="exited", status_since="2024-05-01")
    s.entry(other, "focus", severity="general", status="exited", status_since="2024-05-01")
    records = derive(s, "jiangsu", as_of="2024-04-30")
    assert subjects_of(records, "W4") == set()
    assert subjects_of(derive(s, "jiangsu", as_of="2024-06-30"), "W4") == {subject}
    assert subjects_of(derive(s, "daqing", as_of="2024-06-30"), "W4") == set()
