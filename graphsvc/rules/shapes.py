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

import numpy as np
import pyarrow as pa

from graphsvc import arrowtext as text
from graphsvc.arrowtext import Text


class Shape(StrEnum):
    PROPAGATION = "propagation"  # organisation → person, one hop, role-scoped (PROP-01..04, PROP-07)
    APPOINTMENT_BAN = "appointment_ban"  # the listed organisation's leaders may not lead others (PROP-05)
    PERSON_BAN = "person_ban"  # the listed person may not hold some appointments (PROP-06)
    CONTROLLERS = "controllers"  # own and related enterprises' actual controllers (PROP-08)
    DOMAIN_COUNT = "domain_count"  # entries in several distinct key domains (LST-14)
    FOCUS_TO_BLACK = "focus_to_black"  # a serious act within a focus entry's validity (LST-15)
    RED_BLACK_CONFLICT = "red_black_conflict"  # red entries beside black-class entries (LST-07, LST-10)
    POST_EXIT = "post_exit"  # a black-class entry has left force (EXIT-02)


Words = Callable[[pa.Table, Mapping[str, str]], dict[str, Text]]
"""A shape's words for a table of its rule rows (RULE_OUTPUT_SCHEMA) and the rule's effect code -> output
name: one string column per word, a value for every row, computed set-wise (Arrow compute). A value the row
does not have prints as ``None``, as ``str.format`` prints it."""


def _no_words(rows: pa.Table, outputs: Mapping[str, str]) -> dict[str, Text]:
    return {}


def _ban_words(rows: pa.Table, outputs: Mapping[str, str]) -> dict[str, Text]:
    """A violation (a row with a related organisation): what the person holds there, and the edge."""
    related = rows.column("related_id")
    violation = text.present(related)
    held = text.first_present(text.blank_missing(rows.column("detail")), text.blank_missing(rows.column("via")), "")
    said = text.concat(
        "; violation: holds ",
        text.replaced(held, "+", " and "),
        " of ",
        text.shown(rows.column("related_name"), "None"),
        " (",
        text.shown(related, "None"),
        ") on the as-of date",
    )
    path = text.concat(
        "; ", text.shown(rows.column("subject_id"), "None"), " -", held, "-> ", text.shown(related, "None")
    )
    return {"violation_text": text.choose(violation, said, ""), "violation_path": text.choose(violation, path, "")}


def _domain_words(rows: pa.Table, outputs: Mapping[str, str]) -> dict[str, Text]:
    """The key domains counted: ``detail`` is ``key:entry,entry;key:entry``."""
    keys, owners = text.split_first(text.shown(rows.column("detail"), ""), ";", ":")
    counts = np.bincount(owners, minlength=rows.num_rows)
    return {
        "domain_count": pa.array([str(n) for n in counts.tolist()], pa.string()),
        "domains": text.joined(keys, counts, ", "),
    }


def _conflict_words(rows: pa.Table, outputs: Mapping[str, str]) -> dict[str, Text]:
    removed = text.one_of(rows.column("effect"), [code for code, output in outputs.items() if output == "removed"])
    return {"conflict_text": text.choose(removed, "is removed from force (LST-10)", "is refused (LST-07)")}


def _controller_words(rows: pa.Table, outputs: Mapping[str, str]) -> dict[str, Text]:
    """The listed organisation's own controller (related = origin), or a related enterprise's."""
    related, origin = rows.column("related_id"), rows.column("origin_id")
    own = text.same(related, origin)
    said = text.concat(
        ", a related enterprise of ",
        text.shown(rows.column("origin_name"), "None"),
        " (",
        text.shown(origin, "None"),
        "),",
    )
    path = text.concat(" -related_enterprise- ", text.shown(related, "None"))
    return {
        "own_text": text.choose(own, ", the listed organisation,", said),
        "relation_path": text.choose(own, "", path),
    }


@dataclass(frozen=True)
class ShapeInfo:
    outputs: tuple[str, ...]  # what the shape emits; a rule maps each to an effect code
    parameters: tuple[str, ...]  # the parameters a rule of this shape takes (table defaults, profile values)
    needs_trigger: bool
    needs_reach: bool
    words: Words = _no_words  # the shape's own explanation and path pieces
    # The source entry has left force by construction (an exit, repair or expiry): the record names the archive,
    # which the disclosure policy shows only to those who may see it (graphsvc/disclosure.py, 004 MB 第三十五条).
    source_archived: bool = False


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
        Shape.POST_EXIT: ShapeInfo(("warning",), ("monitoring_years",), False, False, source_archived=True),
    }
)
# Parameters a profile may set on any rule whose shape has a trigger.
TRIGGER_PARAMETERS: tuple[str, ...] = ("trigger_kinds", "list_types")
