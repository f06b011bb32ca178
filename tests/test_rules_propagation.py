"""Organisation → person propagation, one hop and role-scoped: P1, P3, P4, P7 (PROP-01..04, PROP-07)."""

from __future__ import annotations

from tests.conftest import Derive, reached, subjects_of
from tests.scenario import Scenario


class Firm:
    """A black-listed enterprise with every role the seeds name, and a few bystanders."""

    def __init__(self, s: Scenario, *, finding_for: tuple[str, ...] = ()) -> None:
        self.firm = s.org("大庆某某化工有限公司")
        self.lr = s.person("张伟")
        self.main = s.person("赵强")
        self.in_charge = s.person("孙丽")
        self.manager = s.person("周杰")
        self.director = s.person("李娜")
        self.shareholder = s.person("王芳")
        self.supervisor = s.person("吴敏")
        self.practitioner = s.person("郑浩")
        self.outsider = s.person("冯军")  # no role at the firm
        s.role(self.lr, "legal_representative", self.firm)
        s.role(self.main, "main_person_in_charge", self.firm)
        s.role(self.in_charge, "person_in_charge", self.firm)
        s.role(self.manager, "senior_manager", self.firm)
        s.role(self.director, "director", self.firm)
        s.role(self.shareholder, "shareholder", self.firm, ratio=35.5)
        s.role(self.supervisor, "supervisor", self.firm)
        s.role(self.practitioner, "registered_practitioner", self.firm)
        self.entry = s.entry(self.firm, "black")
        people = {
            "director": self.director,
            "shareholder": self.shareholder,
            "practitioner": self.practitioner,
            "outsider": self.outsider,
            "supervisor": self.supervisor,
        }
        for who in finding_for:
            s.finding(people[who], self.entry)


# -- P1 (PROP-01/02): legal representative, main person in charge, persons with a finding -------------------


def test_p1_reaches_legal_representative_and_main_person_in_charge(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s)
    records = derive(s)
    assert reached(records, "P1") == {(f.lr, f.firm), (f.main, f.firm)}
    record = next(r for r in records if r["rule"] == "P1" and r["subject_id"] == f.lr)
    assert record["source_entry_id"] == f.entry
    assert record["effect"] == "personal_credit_record"
    assert record["severity"] == "serious"  # PROP-01: same severity, marked
    assert "PROP-01" in record["citation"]
    assert "legal representative" in record["explanation"]
    assert record["path"] == f"{f.lr} -legal_representative-> {f.firm} [black {f.entry}]"


def test_p1_never_reaches_directors_shareholders_or_managers_by_topology_alone(derive: Derive) -> None:
    """requirements.md §9.12 scenario 8, §9.3 guard-rail (b)."""
    s = Scenario()
    f = Firm(s)
    p1 = subjects_of(derive(s), "P1")
    for bystander in (
        f.director,
        f.shareholder,
        f.manager,
        f.supervisor,
        f.in_charge,
        f.practitioner,
        f.outsider,
    ):
        assert bystander not in p1


def test_p1_reaches_any_person_with_a_responsibility_finding(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s, finding_for=("director", "outsider"))
    p1 = subjects_of(derive(s), "P1")
    assert {f.director, f.outsider} <= p1  # 其他负有直接责任人员, whatever their role
    assert f.shareholder not in p1


def test_p1_reaches_the_role_holder_on_the_act_date_not_later_ones(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("河源某某建材有限公司", region="441623")
    former, current = s.person("陈刚"), s.person("刘洋")
    s.role(former, "legal_representative", firm, since="2010-01-01", until="2023-12-31")
    s.role(current, "legal_representative", firm, since="2024-01-01")
    s.entry(firm, "black", act_date="2023-06-01", determined_on="2024-03-01")
    assert subjects_of(derive(s), "P1") == {former}


def test_p1_role_ended_before_the_act_date_is_not_reached(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    gone = s.person("林峰")
    s.role(gone, "legal_representative", firm, since="2010-01-01", until="2023-01-14")
    s.entry(firm, "black", act_date="2023-01-15")
    assert subjects_of(derive(s), "P1") == set()


def test_p1_falls_back_to_the_determination_date_when_the_act_date_is_unknown(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    before, after = s.person("何平"), s.person("高远")
    s.role(before, "legal_representative", firm, since="2010-01-01", until="2024-01-31")
    s.role(after, "legal_representative", firm, since="2024-02-01")
    s.entry(firm, "black", act_date=None, determined_on="2024-03-01")
    assert subjects_of(derive(s), "P1") == {after}


def test_p1_needs_a_serious_entry(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("马超")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "focus", severity="fairly_serious")
    s.entry(firm, "abnormal_operation", severity="general")
    s.entry(firm, "red")
    assert subjects_of(derive(s), "P1") == set()


def test_p1_is_not_triggered_by_a_person_entry(derive: Derive) -> None:
    s = Scenario()
    person = s.person("罗兰")
    s.entry(person, "black")
    assert subjects_of(derive(s), "P1") == set()


def test_p1_reaches_public_institutions_and_social_orgs(derive: Derive) -> None:
    s = Scenario()
    hospital = s.org("大庆市第三人民医院", kind="public_institution")
    assoc = s.org("大庆市餐饮行业协会", kind="social_org")
    a, b = s.person("郭静"), s.person("梁冰")
    s.role(a, "legal_representative", hospital)
    s.role(b, "main_person_in_charge", assoc)
    s.entry(hospital, "black")
    s.entry(assoc, "black")
    assert subjects_of(derive(s), "P1") == {a, b}


def test_p1_government_bodies_only_where_the_seed_names_them(derive: Derive) -> None:
    """SUB-03: 004 JI(十一) names 各級行政機關; the local plans name 企事业单位、社会组织 only."""
    s = Scenario()
    bureau = s.org("某县某局", kind="government")
    head = s.person("宋江")
    s.role(head, "main_person_in_charge", bureau)
    s.finding(head, s.entry(bureau, "black"))
    assert subjects_of(derive(s, "jiangsu"), "P1") == {head}
    assert subjects_of(derive(s, "daqing"), "P1") == set()


def test_p1_jiangsu_records_only_persons_found_responsible(derive: Derive) -> None:
    """PROP-02, 004 MB 第二十九条: 记入负有责任的法定代表人、主要负责人 (profile reach_requires_finding)."""
    s = Scenario()
    firm = s.org("江苏某某有限公司")
    lr, main, found = s.person("王一"), s.person("王二"), s.person("王三")
    s.role(lr, "legal_representative", firm)
    s.role(main, "main_person_in_charge", firm)
    s.role(found, "legal_representative", firm)
    s.finding(found, s.entry(firm, "black"))
    assert subjects_of(derive(s, "jiangsu"), "P1") == {found}
    assert subjects_of(derive(s, "daqing"), "P1") == {lr, main, found}
    record = next(r for r in derive(s, "jiangsu") if r["rule"] == "P1")
    assert "legal representative, with a responsibility finding" in record["explanation"]


def test_one_record_per_person_and_entry_when_reached_several_ways(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    boss = s.person("曹操")
    s.role(boss, "legal_representative", firm)
    s.role(boss, "main_person_in_charge", firm)
    entry = s.entry(firm, "black")
    s.finding(boss, entry)
    p1 = [r for r in derive(s) if r["rule"] == "P1"]
    assert len(p1) == 1
    assert "legal representative" in p1[0]["explanation"]
    assert "main person in charge" in p1[0]["explanation"]
    assert "finding" in p1[0]["explanation"]


# -- P3 (PROP-03): market and industry ban ----------------------------------------------------------------------


def test_p3_reaches_lr_main_person_and_only_responsible_practitioners(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s, finding_for=("practitioner",))
    assert reached(derive(s), "P3") == {(f.lr, f.firm), (f.main, f.firm), (f.practitioner, f.firm)}


def test_p3_practitioner_without_finding_and_responsible_outsider_not_reached(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s, finding_for=("outsider", "director"))
    assert subjects_of(derive(s), "P3") == {f.lr, f.main}


def test_p3_jiangsu_requires_a_black_list_entry(derive: Derive) -> None:
    """004 JI(十一): 對列入黑名單的企業及其法定代表人、主要負責人…"""
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("韩梅")
    s.role(lr, "legal_representative", firm)
    s.entry(firm, "major_tax_case", severity="serious", domain="tax")
    assert subjects_of(derive(s, "jiangsu"), "P3") == set()
    assert subjects_of(derive(s, "kunming"), "P3") == {lr}


# -- P4 (PROP-04): honours ---------------------------------------------------------------------------------------


def test_p4_reaches_lr_person_in_charge_senior_managers(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s)
    # 主要负责人 is a 负责人 (001 三(三) 法定代表人、负责人、高级管理人员; roles.yaml is_a)
    assert subjects_of(derive(s), "P4") == {f.lr, f.in_charge, f.main, f.manager}


def test_p4_directors_and_shareholders_only_with_a_finding(derive: Derive) -> None:
    """§9.12 scenario 8: a directly responsible shareholder loses honours only."""
    s = Scenario()
    f = Firm(s, finding_for=("director", "shareholder"))
    records = derive(s)
    assert {f.director, f.shareholder} <= subjects_of(records, "P4")
    assert f.shareholder not in subjects_of(records, "P3")
    assert f.supervisor not in subjects_of(records, "P4")


def test_p4_needs_an_enterprise(derive: Derive) -> None:
    s = Scenario()
    school = s.org("某某实验中学", kind="public_institution")
    lr = s.person("秦明")
    s.role(lr, "legal_representative", school)
    s.entry(school, "black")
    records = derive(s)
    assert subjects_of(records, "P4") == set()
    assert subjects_of(records, "P1") == {lr}


# -- P7 (PROP-07): political treatment ---------------------------------------------------------------------------


def test_p7_reaches_only_the_legal_representative(derive: Derive) -> None:
    s = Scenario()
    f = Firm(s, finding_for=("director",))
    assert reached(derive(s, "zhoucun"), "P7") == {(f.lr, f.firm)}


def test_p7_any_joint_punishment_list_but_not_focus(derive: Derive) -> None:
    s = Scenario()
    taxed = s.org("某某贸易有限公司")
    focused = s.org("某某物流有限公司")
    a, b = s.person("武松"), s.person("鲁达")
    s.role(a, "legal_representative", taxed)
    s.role(b, "legal_representative", focused)
    s.entry(taxed, "major_tax_case", severity="general", domain="tax")
    s.entry(focused, "focus", severity="fairly_serious")
    assert subjects_of(derive(s, "zhoucun"), "P7") == {a}


# -- one hop only -------------------------------------------------------------------------------------------------


def test_propagation_is_one_hop(derive: Derive) -> None:
    """§9.3 guard-rail (a): nothing reaches the officers of the listed firm's subsidiaries or parent."""
    s = Scenario()
    parent, child = s.org("某某控股集团有限公司"), s.org("某某子公司有限公司")
    parent_lr, child_lr = s.person("杨过"), s.person("小龙女")
    s.role(parent, "shareholder", child, ratio=100)
    s.role(parent_lr, "legal_representative", parent)
    s.role(child_lr, "legal_representative", child)
    s.entry(child, "black")
    records = derive(s)
    for rule in ("P1", "P3", "P4", "P7"):
        assert subjects_of(records, rule) == {child_lr}
