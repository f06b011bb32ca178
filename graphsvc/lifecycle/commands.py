"""The lifecycle on the command line: ``graphsvc objection file|decide|list`` and ``graphsvc repair
apply|decide|list``, over the same workflows as the API (graphsvc/lifecycle/). Answers are JSON; a deadline counted
over a year without its official holiday notice says ``"provisional": true``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from contextlib import closing
from typing import Any, TextIO

from graphsvc.calendar import load_calendar
from graphsvc.errors import InputError
from graphsvc.lifecycle import deadlines, objections, repairs
from graphsvc.lifecycle.cases import Case, CaseKind
from graphsvc.lifecycle.clock import DEFAULT_LATE_ENTRY_DAYS, StepClock, clock_for
from graphsvc.profiles import load_profile
from graphsvc.stores.base import GraphStore

OpenStore = Callable[..., GraphStore]  # open_store(args, read_only=...) of graphsvc/cli.py


def iso_date(text: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def add_commands(sub: Any, db_help: str) -> None:
    """Register the ``objection`` and ``repair`` commands on the CLI's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=db_help)
    common.add_argument("--profile", default="default", help="jurisdiction profile for deadlines and conditions")
    common.add_argument("--calendar", help="working-day calendar file (default: $GRAPHSVC_CALENDAR or bundled)")
    common.add_argument("--actor", default="cli", help="who takes the step (recorded with it)")
    common.add_argument(
        "--today",
        type=iso_date,
        help="the date steps are checked against: none after it, none before the entry's last step "
        "(default: $GRAPHSVC_AS_OF, else the real date)",
    )
    common.add_argument(
        "--late-entry-days",
        type=int,
        help="how many days before --today a step may be dated (late entry of a step taken on paper; default: "
        f"$GRAPHSVC_LATE_ENTRY_DAYS, else {DEFAULT_LATE_ENTRY_DAYS})",
    )

    objection = sub.add_parser("objection", help="objections, appeals and complaints (异议, 申诉, 投诉)")
    steps = objection.add_subparsers(dest="step", required=True)
    file = steps.add_parser("file", parents=[common], help="file an objection against an entry")
    file.add_argument("entry_id")
    file.add_argument("--filed-on", type=iso_date, required=True)
    file.add_argument("--filer", required=True)
    file.add_argument("--grounds", choices=[g.value for g in objections.Ground], required=True)
    file.add_argument("--statement", required=True)
    file.add_argument("--evidence", action="append", default=[], help="an evidence reference (repeatable)")
    file.add_argument("--kind", choices=["objection", "appeal", "complaint"], default="objection")
    file.add_argument("--against", help="for an appeal: the decided objection")
    decide = steps.add_parser("decide", parents=[common], help="decide an objection (the entry's department)")
    decide.add_argument("objection_id")
    decide.add_argument("--decided-on", type=iso_date, required=True)
    decide.add_argument("--outcome", choices=[o.value for o in objections.Outcome], required=True)
    decide.add_argument("--reason", required=True)
    decide.add_argument("--correct", action="append", default=[], metavar="FIELD=VALUE", help="a correction")
    listing = steps.add_parser("list", parents=[common], help="objections, open or overdue")
    listing.add_argument("--state", choices=["open", "decided"])
    listing.add_argument("--overdue-on", type=iso_date)

    repair = sub.add_parser("repair", help="credit repair (信用修复)")
    rsteps = repair.add_subparsers(dest="step", required=True)
    apply = rsteps.add_parser("apply", parents=[common], help="apply for repair (every unmet condition is reported)")
    apply.add_argument("entry_id")
    apply.add_argument("--applied-on", type=iso_date, required=True)
    apply.add_argument("--corrected-on", type=iso_date)
    apply.add_argument("--commitment", default="", help="the written commitment (承诺不再失信)")
    apply.add_argument("--evidence", action="append", default=[])
    rdecide = rsteps.add_parser("decide", parents=[common], help="approve or refuse a repair")
    rdecide.add_argument("repair_id")
    rdecide.add_argument("--decided-on", type=iso_date, required=True)
    choice = rdecide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", action="store_true")
    choice.add_argument("--refuse", action="store_true")
    rdecide.add_argument("--reason", required=True)
    rlist = rsteps.add_parser("list", parents=[common], help="repairs and their notices")
    rlist.add_argument("--state", choices=["applied", "notice", "repaired", "refused"])
    rlist.add_argument("--on", type=iso_date)


def _shown(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "kind": case.kind.value,
        "entry_id": case.entry_id,
        "state": case.state,
        "opened_on": case.opened_on,
        "deadlines": [dataclasses.asdict(d) for d in case.deadlines],
        "detail": {k: v for k, v in case.detail.items() if k != "deadlines"},
    }


def _write(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def _corrections(items: list[str]) -> dict[str, str | None]:
    fixed: dict[str, str | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--correct {item!r}: write FIELD=VALUE (an empty VALUE clears the field)")
        fixed[name.strip()] = value.strip() or None
    return fixed


def _clock(args: argparse.Namespace) -> StepClock:
    return clock_for(args.today, args.late_entry_days)


def run_objection(args: argparse.Namespace, out: TextIO, open_store: OpenStore) -> int:
    profile = load_profile(args.profile)
    clock = _clock(args)
    calendar = load_calendar(args.calendar).with_profile(profile.calendar)
    with closing(open_store(args, read_only=args.step == "list")) as store:
        if args.step != "list":  # a list only reads (and works on a read-only store)
            deadlines.recount(store, calendar, on=dt.date.today())  # as the service does at its start
        if args.step == "file":
            filing = objections.Filing(
                args.entry_id,
                args.filed_on,
                args.filer,
                objections.Ground(args.grounds),
                args.statement,
                tuple(args.evidence),
                CaseKind(args.kind),
                args.against,
            )
            case = objections.file(store, filing, actor=args.actor, profile=profile, calendar=calendar, clock=clock)
            _write(out, _shown(case))
        elif args.step == "decide":
            case = objections.decide(
                store,
                args.objection_id,
                decided_on=args.decided_on,
                outcome=objections.Outcome(args.outcome),
                reason=args.reason,
                correction=_corrections(args.correct) or None,
                actor=args.actor,
                profile=profile,
                calendar=calendar,
                clock=clock,
            )
            _write(out, _shown(case))
        else:
            cases = objections.list_cases(store, state=args.state, overdue_on=args.overdue_on, on=clock.today)
            _write(out, [_shown(c) for c in cases])
    return 0


def run_repair(args: argparse.Namespace, out: TextIO, open_store: OpenStore) -> int:
    profile = load_profile(args.profile)
    clock = _clock(args)
    calendar = load_calendar(args.calendar).with_profile(profile.calendar)
    with closing(open_store(args, read_only=args.step == "list")) as store:
        if args.step != "list":  # a list only reads (and works on a read-only store)
            deadlines.recount(store, calendar, on=dt.date.today())  # as the service does at its start
        if args.step == "apply":
            application = repairs.Application(
                args.entry_id, args.applied_on, args.commitment, args.corrected_on, tuple(args.evidence)
            )
            _write(out, _shown(repairs.apply(store, application, actor=args.actor, profile=profile, clock=clock)))
        elif args.step == "decide":
            case = repairs.decide(
                store,
                args.repair_id,
                decided_on=args.decided_on,
                approve=bool(args.approve),
                reason=args.reason,
                actor=args.actor,
                profile=profile,
                calendar=calendar,
                clock=clock,
            )
            _write(out, _shown(case))
        else:
            day = args.on or clock.today
            cases = repairs.list_cases(store, state=args.state, on=day)
            _write(out, [{**_shown(c), "state": repairs.state_on(c, day)} for c in cases])
    return 0
