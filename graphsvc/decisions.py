"""The decision check (应查必查, LOOP-06): may a system grant, appoint, award or admit this subject on a date?

The answer comes from what the rules already derived and from the subject's own entries in force; this
module only decides what each of them means for the intended action. Every reason carries the rule or list
entry behind it, the path, the citation and the legal basis, so the calling system can show why.

Verdicts: ``blocked`` (a measure forbids the action), ``review`` (a measure or warning the deciding officer
must weigh: the seeds leave the decision to them), ``allowed`` (nothing found). ``info`` reasons are shown
but change nothing (for example a personal credit record, PROP-01).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from graphsvc.errors import InputError
from graphsvc.vocab import ALWAYS_SERIOUS_LIST_TYPES, ListType, Severity, SubjectKind


class Action(StrEnum):
    CHECK = "check"  # no particular action: what stands against the subject
    APPOINT_LEGAL_REPRESENTATIVE = "appoint_legal_representative"
    APPOINT_PERSON_IN_CHARGE = "appoint_person_in_charge"
    GRANT_RED_INCENTIVE = "grant_red_incentive"
    AWARD_HONOUR = "award_honour"
    ADMIT_TO_TENDER = "admit_to_tender"


APPOINTMENTS = frozenset({Action.APPOINT_LEGAL_REPRESENTATIVE, Action.APPOINT_PERSON_IN_CHARGE})
VERDICT_ORDER = {"allowed": 0, "info": 0, "review": 1, "blocked": 2}

# Joint-punishment lists whose in-force entries keep a subject out of public-resource trading and tenders
# (LOOP-06; 003 memorandum 7 for court defaulters in tendering). Focus and abnormal-operation entries call
# for review instead: they are not punishment lists.
_PUNISHMENT_LISTS = frozenset(
    {
        ListType.BLACK,
        ListType.COURT_DEFAULTER,
        ListType.SERIOUS_ILLEGAL,
        ListType.MAJOR_TAX_CASE,
        ListType.LISTED_COMPANY_VIOLATION,
        ListType.SAFETY_PRODUCTION,
        ListType.FINANCE_SERIOUS,
        ListType.GOV_DISHONESTY,
    }
)

# What each derived effect means for each action; absent pairs are "info". Requirement ids are cited in the
# reason's text by the rule's own citation.
_DERIVED_VERDICTS: dict[str, dict[str, str]] = {
    # P5 (PROP-05): no LR or person in charge of another enterprise for 3 years.
    "appointment_ban": {
        Action.APPOINT_LEGAL_REPRESENTATIVE: "blocked",
        Action.APPOINT_PERSON_IN_CHARGE: "blocked",
        Action.CHECK: "review",
    },
    "appointment_ban_violation": {a: "review" for a in Action},
    # P6 (PROP-06): blocked only for LR of a public institution (decided with the target's kind below).
    "public_institution_lr_ban": {Action.APPOINT_LEGAL_REPRESENTATIVE: "blocked", Action.CHECK: "review"},
    "public_institution_lr_violation": {a: "review" for a in Action},
    # P3 (PROP-03): which markets and industries is for the deciding department to judge.
    "market_industry_ban": {
        Action.APPOINT_LEGAL_REPRESENTATIVE: "review",
        Action.APPOINT_PERSON_IN_CHARGE: "review",
        Action.ADMIT_TO_TENDER: "review",
        Action.CHECK: "review",
    },
    # P4 (PROP-04), P7 (PROP-07): honours and awards.
    "honours_revoked": {
        Action.AWARD_HONOUR: "blocked",
        Action.GRANT_RED_INCENTIVE: "blocked",
        Action.CHECK: "review",
    },
    "political_treatment_restriction": {Action.AWARD_HONOUR: "blocked", Action.CHECK: "review"},
    # P8 (PROP-08): key supervision is a supervision measure, weighed by the officer.
    "key_supervision": {a: "review" for a in Action},
    # W1-W4: warnings are for review (LST-14, LST-15, EXIT-02); W3 (LST-07, LST-10) forbids red incentives.
    "big_data_warning": {a: "review" for a in Action},
    "black_list_candidate": {a: "review" for a in Action},
    "red_removed": {Action.GRANT_RED_INCENTIVE: "blocked", Action.AWARD_HONOUR: "review", Action.CHECK: "review"},
    "red_refused": {Action.GRANT_RED_INCENTIVE: "blocked", Action.AWARD_HONOUR: "review", Action.CHECK: "review"},
    "post_exit_monitoring": {Action.GRANT_RED_INCENTIVE: "review", Action.CHECK: "info"},
}


@dataclass(frozen=True)
class Reason:
    verdict: str
    kind: str  # "entry" (the subject's own list entry in force) or "derived" (a rule's record)
    rule: str | None
    effect: str | None
    subject_id: str
    source_entry_id: str
    related_id: str | None
    list_type: str | None
    path: str
    explanation: str
    citation: str
    legal_basis: str | None
    department: str | None
    valid_until: Any

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    verdict: str
    action: str
    reasons: list[Reason]


def parse_action(text: str | None) -> Action:
    try:
        return Action(text or Action.CHECK)
    except ValueError:
        raise InputError(f"unknown action {text!r}; choose one of {', '.join(a.value for a in Action)}") from None


def _entry_verdict(entry: Mapping[str, Any], action: Action) -> str:
    """What the subject's own entry in force means for the action."""
    list_type = entry["list_type"]
    if list_type == ListType.RED:
        return "info"
    serious = entry["severity"] == Severity.SERIOUS or list_type in ALWAYS_SERIOUS_LIST_TYPES
    if action is Action.GRANT_RED_INCENTIVE:
        # LST-07a/b: no black-listed (severely untrustworthy) subject enters a red list.
        return "blocked" if serious else "review"
    if action is Action.AWARD_HONOUR:
        # PROP-04: severely untrustworthy subjects lose honours and may not take part in awards.
        return "blocked" if serious else "review"
    if action is Action.ADMIT_TO_TENDER:
        # LOOP-06: the credit query before public-resource trading; punishment lists keep the subject out.
        return "blocked" if list_type in _PUNISHMENT_LISTS else "review"
    if action in APPOINTMENTS:
        # The seeds bar appointments only through P5/P6 (derived); the person's own entries are for review.
        return "review"
    return "blocked" if serious and list_type in _PUNISHMENT_LISTS else "review"


def _entry_reason(entry: Mapping[str, Any], verdict: str) -> Reason:
    until = entry.get("valid_until")
    return Reason(
        verdict=verdict,
        kind="entry",
        rule=None,
        effect=None,
        subject_id=entry["subject_id"],
        source_entry_id=entry["entry_id"],
        related_id=None,
        list_type=entry["list_type"],
        path=f"{entry['subject_id']} [{entry['list_type']} {entry['entry_id']}]",
        explanation=(
            f"{entry['subject_id']} is on the {entry['list_type']} list ({entry['domain']}, "
            f"{entry['severity'] or 'severity not stated'}) by {entry['department'] or 'an unnamed department'}, "
            f"determined {entry['determined_on']}, in force"
            + (f" until {until}" if until else "")
            + f" (status {entry['status']})"
        ),
        citation="LOOP-06 (query before deciding); the entry's own legal basis",
        legal_basis=entry.get("legal_basis"),
        department=entry.get("department"),
        valid_until=until,
    )


def _derived_verdict(record: Mapping[str, Any], action: Action, target: Mapping[str, Any] | None) -> str:
    effect = record["effect"]
    verdict = _DERIVED_VERDICTS.get(effect, {}).get(action, "info")
    if effect == "public_institution_lr_ban" and action is Action.APPOINT_LEGAL_REPRESENTATIVE:
        # PROP-06 restricts registration as LR of a public institution (事业单位) only.
        verdict = "blocked" if target is not None and target["kind"] == SubjectKind.PUBLIC_INSTITUTION else "info"
    # PROP-05 bans appointments at *other* enterprises (其他企业); the listed firm itself is for review,
    # and the ban does not speak of organisations that are not enterprises.
    if (
        effect == "appointment_ban"
        and action in APPOINTMENTS
        and target is not None
        and (target.get("origin") or target["kind"] != SubjectKind.ENTERPRISE)
    ):
        verdict = "review"
    return verdict


def decide(
    subject_id: str,
    action: Action,
    entries_in_force: Iterable[Mapping[str, Any]],
    derived: Iterable[Mapping[str, Any]],
    *,
    target: Mapping[str, Any] | None = None,
    entry_subjects: Mapping[str, str] | None = None,
) -> Decision:
    """Decide ``action`` for ``subject_id``.

    ``entries_in_force``: the subject's own entries in force on the date (visible to the caller);
    ``derived``: the derived records about the subject on that date; ``target``: for appointments, the
    organisation (``subject_id``, ``kind``); ``entry_subjects``: entry id -> listed subject, used to tell the
    banned person's own listed firm from other enterprises (PROP-05).
    """
    if action in APPOINTMENTS and target is None:
        raise InputError(f"action {action.value} needs the organisation: pass enterprise_id")
    reasons: list[Reason] = []
    for entry in entries_in_force:
        reasons.append(_entry_reason(entry, _entry_verdict(entry, action)))
    for record in derived:
        record_target = target
        if target is not None and entry_subjects is not None:
            origin = entry_subjects.get(record["source_entry_id"]) == target["subject_id"]
            record_target = {**target, "origin": origin}
        reasons.append(
            Reason(
                verdict=_derived_verdict(record, action, record_target),
                kind="derived",
                rule=record["rule"],
                effect=record["effect"],
                subject_id=record["subject_id"],
                source_entry_id=record["source_entry_id"],
                related_id=record["related_id"],
                list_type=None,
                path=record["path"],
                explanation=record["explanation"],
                citation=record["citation"],
                legal_basis=record["legal_basis"],
                department=record["department"],
                valid_until=record["valid_until"],
            )
        )
    reasons.sort(key=lambda r: (-VERDICT_ORDER[r.verdict], r.kind, r.rule or "", r.source_entry_id))
    worst = max((VERDICT_ORDER[r.verdict] for r in reasons), default=0)
    verdict = {0: "allowed", 1: "review", 2: "blocked"}[worst]
    return Decision(verdict=verdict, action=action.value, reasons=reasons)
