"""The decision check (应查必查, LOOP-06): may a system grant, appoint, award or admit this subject on a date?

The answer comes from what the rules already derived and from the subject's own entries in force; this
module only decides what each of them means for the intended action. Every reason carries the rule or list
entry behind it, the path, the citation and the legal basis, so the calling system can show why.

Verdicts: ``blocked`` (a measure forbids the action), ``review`` (a measure or warning the deciding officer
must weigh: the seeds leave the decision to them), ``allowed`` (nothing found). ``info`` reasons are shown
but change nothing (for example a personal credit record, PROP-01).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

from graphsvc.errors import InputError, ProfileError
from graphsvc.vocab import Severity
from graphsvc.vocabulary import ACTIONS, TargetVerdict, Verdict, vocabulary


class Action(StrEnum):
    CHECK = "check"  # no particular action: what stands against the subject
    APPOINT_LEGAL_REPRESENTATIVE = "appoint_legal_representative"
    APPOINT_PERSON_IN_CHARGE = "appoint_person_in_charge"
    GRANT_RED_INCENTIVE = "grant_red_incentive"
    AWARD_HONOUR = "award_honour"
    ADMIT_TO_TENDER = "admit_to_tender"


assert tuple(a.value for a in Action) == ACTIONS, "graphsvc/vocabulary.py ACTIONS and Action must agree"
APPOINTMENTS = frozenset({Action.APPOINT_LEGAL_REPRESENTATIVE, Action.APPOINT_PERSON_IN_CHARGE})
VERDICT_ORDER = {"allowed": 0, "info": 0, "review": 1, "blocked": 2}


@dataclass(frozen=True)
class Reason:
    """One reason of a decision; the API answers with this record as it is (api/models.py DecisionAnswer)."""

    verdict: Verdict
    kind: Literal["entry", "derived", "exposure"]  # own entry in force, a rule's record, related-party risk
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
    valid_until: dt.date | None

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


def _entry_verdict(entry: Mapping[str, Any], action: Action) -> Verdict:
    """What the subject's own entry in force means for the action, by its list type's class (list_types.yaml)."""
    info = vocabulary().list_types[entry["list_type"]]
    if info.incentive:
        return "info"
    serious = entry["severity"] == Severity.SERIOUS or info.always_serious
    if action in (Action.GRANT_RED_INCENTIVE, Action.AWARD_HONOUR):
        # LST-07a/b: no severely untrustworthy subject enters a red list; PROP-04: nor takes part in awards.
        return "blocked" if serious else "review"
    if action is Action.ADMIT_TO_TENDER:
        # LOOP-06: the credit query before public-resource trading; joint-punishment lists keep the subject out.
        return "blocked" if info.black_class else "review"
    if action in APPOINTMENTS:
        # The seeds bar appointments only through the bans (derived); the person's own entries are for review.
        return "review"
    return "blocked" if serious and info.black_class else "review"


def _entry_reason(entry: Mapping[str, Any], verdict: Verdict) -> Reason:
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


def _derived_verdict(record: Mapping[str, Any], action: Action, target: Mapping[str, Any] | None) -> Verdict:
    """The effect's verdict for the action (effects.yaml); an effect the table does not know is an error."""
    effect = vocabulary().effects.get(record["effect"])
    if effect is None:
        raise ProfileError(f"effect {record['effect']!r} of rule {record['rule']} is not in graphsvc/data/effects.yaml")
    verdict = effect.verdict(action.value)
    if not isinstance(verdict, TargetVerdict):
        return verdict
    # PROP-05 bans appointments at *other* enterprises (其他企业); PROP-06 at public institutions (事业单位).
    if target is None or target["kind"] not in verdict.target_kinds:
        return verdict.else_
    if verdict.other_than_listed and target.get("origin"):
        return verdict.else_
    return verdict.verdict


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
