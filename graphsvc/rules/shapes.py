"""Rule shapes: the kinds of rule the stores know how to compile (design.md §4).

A shape fixes what a rule's query does (one hop from a listed organisation to role holders, a ban with its
violations, a count of domains …); a row of the rule table chooses its trigger, reach, effects and parameters.
Each shape has one compiler per store (``graphsvc/stores/embedded_rules.py`` and ``neo4j_rules.py``) and,
here, the words its explanations and paths are made of. Nothing dispatches on a rule id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Shape(StrEnum):
    PROPAGATION = "propagation"  # organisation → person, one hop, role-scoped (PROP-01..04, PROP-07)
    APPOINTMENT_BAN = "appointment_ban"  # the listed organisation's leaders may not lead others (PROP-05)
    PERSON_BAN = "person_ban"  # the listed person may not hold some appointments (PROP-06)
    CONTROLLERS = "controllers"  # own and related enterprises' actual controllers (PROP-08)
    DOMAIN_COUNT = "domain_count"  # entries in several distinct key domains (LST-14)
    FOCUS_TO_BLACK = "focus_to_black"  # a serious act within a focus entry's validity (LST-15)
    RED_BLACK_CONFLICT = "red_black_conflict"  # red entries beside black-class entries (LST-07, LST-10)
    POST_EXIT = "post_exit"  # a black-class entry has left force (EXIT-02)


Words = Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, str]]


def _no_words(row: Mapping[str, Any], outputs: Mapping[str, str]) -> dict[str, str]:
    return {}


def _ban_words(row: Mapping[str, Any], outputs: Mapping[str, str]) -> dict[str, str]:
    if not row.get("related_id"):
        return {"violation_text": "", "violation_path": ""}
    held = row.get("detail") or row.get("via") or ""
    return {
        "violation_text": f"; violation: holds {held.replace('+', ' and ')} of {row.get('related_name')} "
        f"({row['related_id']}) on the as-of date",
        "violation_path": f"; {row['subject_id']} -{held}-> {row['related_id']}",
    }


def _domain_words(row: Mapping[str, Any], outputs: Mapping[str, str]) -> dict[str, str]:
    keys = [part.split(":", 1)[0] for part in (row.get("detail") or "").split(";") if part]
    return {"domain_count": str(len(keys)), "domains": ", ".join(keys)}


def _conflict_words(row: Mapping[str, Any], outputs: Mapping[str, str]) -> dict[str, str]:
    removed = outputs.get(row["effect"]) == "removed"
    return {"conflict_text": "is removed from force (LST-10)" if removed else "is refused (LST-07)"}


def _controller_words(row: Mapping[str, Any], outputs: Mapping[str, str]) -> dict[str, str]:
    if row.get("related_id") == row.get("origin_id"):
        return {"own_text": ", the listed organisation,", "relation_path": ""}
    return {
        "own_text": f", a related enterprise of {row.get('origin_name')} ({row.get('origin_id')}),",
        "relation_path": f" -related_enterprise- {row.get('related_id')}",
    }


@dataclass(frozen=True)
class ShapeInfo:
    outputs: tuple[str, ...]  # what the shape emits; a rule maps each to an effect code
    parameters: tuple[str, ...]  # the parameters a rule of this shape takes (table defaults, profile values)
    needs_trigger: bool
    needs_reach: bool
    words: Words = _no_words  # the shape's own explanation and path pieces


SHAPES: Mapping[Shape, ShapeInfo] = MappingProxyType(
    {
        Shape.PROPAGATION: ShapeInfo(("record",), ("reach_requires_finding",), True, True),
        Shape.APPOINTMENT_BAN: ShapeInfo(
            ("ban", "violation"), ("ban_years", "appointment_roles", "appointment_kinds"), True, True, _ban_words
        ),
        Shape.PERSON_BAN: ShapeInfo(
            ("ban", "violation"), ("appointment_roles", "appointment_kinds"), True, False, _ban_words
        ),
        Shape.CONTROLLERS: ShapeInfo(
            ("record",), ("own_controllers", "related_controllers", "related_kinds"), True, False, _controller_words
        ),
        Shape.DOMAIN_COUNT: ShapeInfo(("warning",), ("min_domains", "counted_list_types"), False, False, _domain_words),
        Shape.FOCUS_TO_BLACK: ShapeInfo(("warning",), ("counted_list_types",), False, False),
        Shape.RED_BLACK_CONFLICT: ShapeInfo(("removed", "refused"), (), False, False, _conflict_words),
        Shape.POST_EXIT: ShapeInfo(("warning",), ("monitoring_years",), False, False),
    }
)
# Parameters a profile may set on any rule whose shape has a trigger.
TRIGGER_PARAMETERS: tuple[str, ...] = ("trigger_kinds", "list_types")
