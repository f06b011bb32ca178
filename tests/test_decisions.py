"""The decision check's policy (graphsvc/decisions.py): what each derived record and entry means per action."""

from __future__ import annotations

from typing import Any

import pytest

from graphsvc.decisions import Action, decide, parse_action
from graphsvc.errors import InputError


def entry(list_type: str, severity: str | None = None, entry_id: str = "E1") -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "subject_id": "S",
        "list_type": list_type,
        "domain": "food_drug",
        "severity": severity,
        "department": "市场监管局",
        "determined_on": "2024-03-01",
        "valid_until": None,
        "status": "active",
        "legal_basis": "《食品安全法》",
    }


def record(rule: str, effect: str, source_entry_id: str = "E9", related_id: str | None = None) -> dict[str, Any]:
    return {
        "rule": rule,
        "effect": effect,
        "subject_id": "P",
        "source_entry_id": source_entry_id,
        "related_id": related_id,
        "path": "P -legal_representative-> F [serious_illegal E9]",
        "explanation": "…",
        "citation": f"{rule} citation",
        "legal_basis": "basis",
        "department": "dept",
        "valid_until": None,
    }


ENTERPRISE = {"subject_id": "F2", "kind": "enterprise"}
INSTITUTION = {"subject_id": "U1", "kind": "public_institution"}


def verdict(action: Action, entries: list[dict[str, Any]], records: list[dict[str, Any]], **kw: Any) -> str:
    return decide("S", action, entries, records, **kw).verdict


def test_nothing_found_is_allowed_for_every_action() -> None:
    for action in Action:
        target = ENTERPRISE if action.value.startswith("appoint") else None
        assert verdict(action, [], [], target=target) == "allowed"


def test_appointment_ban_blocks_other_enterprises_only_prop_05() -> None:
    ban = [record("P5", "appointment_ban")]
    origin = {"E9": "F1"}
    action = Action.APPOINT_LEGAL_REPRESENTATIVE
    assert verdict(action, [], ban, target=ENTERPRISE, entry_subjects=origin) == "blocked"
    assert (
        verdict(action, [], ban, target={"subject_id": "F1", "kind": "enterprise"}, entry_subjects=origin) == "review"
    )
    assert verdict(action, [], ban, target=INSTITUTION, entry_subjects=origin) == "review"
    assert verdict(Action.AWARD_HONOUR, [], ban) == "allowed"  # info only: the ban is about appointments


def test_court_defaulter_ban_blocks_lr_of_public_institutions_only_prop_06() -> None:
    ban = [record("P6", "public_institution_lr_ban")]
    assert verdict(Action.APPOINT_LEGAL_REPRESENTATIVE, [], ban, target=INSTITUTION) == "blocked"
    assert verdict(Action.APPOINT_LEGAL_REPRESENTATIVE, [], ban, target=ENTERPRISE) == "allowed"
    assert verdict(Action.APPOINT_PERSON_IN_CHARGE, [], ban, target=INSTITUTION) == "allowed"


def test_honours_and_political_restrictions_block_awards_prop_04_prop_07() -> None:
    assert verdict(Action.AWARD_HONOUR, [], [record("P4", "honours_revoked")]) == "blocked"
    assert verdict(Action.AWARD_HONOUR, [], [record("P7", "political_treatment_restriction")]) == "blocked"
    assert verdict(Action.ADMIT_TO_TENDER, [], [record("P7", "political_treatment_restriction")]) == "allowed"
    assert verdict(Action.AWARD_HONOUR, [entry("black", "serious")], []) == "blocked"
    assert verdict(Action.AWARD_HONOUR, [entry("focus", "general")], []) == "review"


def test_red_incentive_refused_to_black_listed_subjects_lst_07() -> None:
    assert verdict(Action.GRANT_RED_INCENTIVE, [entry("black")], []) == "blocked"  # black is always serious
    assert verdict(Action.GRANT_RED_INCENTIVE, [entry("abnormal_operation", "general")], []) == "review"
    assert verdict(Action.GRANT_RED_INCENTIVE, [], [record("W3", "red_refused")]) == "blocked"
    assert verdict(Action.GRANT_RED_INCENTIVE, [entry("red")], []) == "allowed"  # a red entry is no obstacle


def test_tenders_closed_by_punishment_lists_not_by_focus_lists_loop_06() -> None:
    assert verdict(Action.ADMIT_TO_TENDER, [entry("court_defaulter", "serious")], []) == "blocked"
    assert verdict(Action.ADMIT_TO_TENDER, [entry("major_tax_case", "general")], []) == "blocked"
    assert verdict(Action.ADMIT_TO_TENDER, [entry("focus", "serious")], []) == "review"
    assert verdict(Action.ADMIT_TO_TENDER, [], [record("W1", "big_data_warning")]) == "review"


def test_personal_credit_record_is_information_only_prop_01() -> None:
    answer = decide("S", Action.CHECK, [], [record("P1", "personal_credit_record")])
    assert answer.verdict == "allowed" and [r.verdict for r in answer.reasons] == ["info"]


def test_reasons_are_ordered_worst_first_and_carry_their_evidence() -> None:
    answer = decide(
        "S",
        Action.GRANT_RED_INCENTIVE,
        [entry("focus", "general", "E2"), entry("black", None, "E3")],
        [record("P1", "personal_credit_record")],
    )
    assert [r.verdict for r in answer.reasons] == ["blocked", "review", "info"]
    assert answer.reasons[0].source_entry_id == "E3" and answer.reasons[0].legal_basis == "《食品安全法》"


def test_bad_actions_and_missing_targets_are_input_errors() -> None:
    with pytest.raises(InputError, match="choose one of"):
        parse_action("launch")
    with pytest.raises(InputError, match="enterprise_id"):
        decide("S", Action.APPOINT_PERSON_IN_CHARGE, [], [])
    assert parse_action(None) is Action.CHECK
