"""The working-day calendar on the command line: ``graphsvc calendar show`` (which years are official, which
provisional, and their rest days) and ``graphsvc calendar recount`` (count provisional deadlines again after a
year's notice was added; graphsvc/lifecycle/deadlines.py). Answers are JSON."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from contextlib import closing
from typing import Any, TextIO

from graphsvc.calendar import WorkingCalendar, load_calendar
from graphsvc.lifecycle import deadlines
from graphsvc.lifecycle.commands import iso_date
from graphsvc.profiles import load_profile
from graphsvc.stores.base import GraphStore

OpenStore = Callable[[argparse.Namespace], GraphStore]


def add_commands(sub: Any, db_help: str) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", default="default", help="jurisdiction profile (its local holidays count too)")
    common.add_argument("--calendar", help="working-day calendar file (default: $GRAPHSVC_CALENDAR or bundled)")
    calendar = sub.add_parser("calendar", help="the working-day calendar: official and provisional years")
    steps = calendar.add_subparsers(dest="step", required=True)
    show = steps.add_parser("show", parents=[common], help="which years are official or provisional, with their days")
    show.add_argument(
        "--year", type=int, action="append", default=[], help="a year (repeatable; default: the file's, this, next)"
    )
    recount = steps.add_parser(
        "recount", parents=[common], help="count open provisional deadlines again on the calendar, recording changes"
    )
    recount.add_argument("--db", help=db_help)
    recount.add_argument("--on", type=iso_date, help="the day of the recount (default: today)")
    recount.add_argument("--dry-run", action="store_true", help="show the changes without recording them")


def working_calendar(args: argparse.Namespace) -> WorkingCalendar:
    return load_calendar(args.calendar).with_profile(load_profile(args.profile).calendar)


def run_calendar(args: argparse.Namespace, out: TextIO, open_store: OpenStore) -> int:
    calendar = working_calendar(args)
    if args.step == "show":
        this = dt.date.today().year
        years = sorted(set(args.year) or {*calendar.years, this, this + 1})
        shown = {"calendar": calendar.origin, "years": [dataclasses.asdict(calendar.year(y)) for y in years]}
        out.write(json.dumps(shown, ensure_ascii=False, indent=2, default=str) + "\n")
        return 0
    with closing(open_store(args)) as store:
        changes = deadlines.recount(store, calendar, on=args.on or dt.date.today(), write=not args.dry_run)
    out.write(json.dumps([dataclasses.asdict(c) for c in changes], ensure_ascii=False, indent=2, default=str) + "\n")
    return 0
