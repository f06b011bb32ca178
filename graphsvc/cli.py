"""The ``graphsvc`` command line. Other tools script against it: keep the contract stable.

graphsvc load DIR [--db PATH] [--skip-invalid]
graphsvc derived [--db PATH] --profile NAME --as-of YYYY-MM-DD --format csv|json
graphsvc stats [--db PATH] --format json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pyarrow as pa
import pyarrow.compute as pc

from graphsvc import faults
from graphsvc.closedpipe import quiet_on_closed_pipe
from graphsvc.config import DB_ENV, STORE_ENV, default_db_path
from graphsvc.csvcells import csv_row
from graphsvc.engine import evaluate
from graphsvc.errors import GraphsvcError, InputError, LoadRejected
from graphsvc.lifecycle.calendar_commands import add_commands as add_calendar_commands
from graphsvc.lifecycle.calendar_commands import run_calendar
from graphsvc.lifecycle.commands import add_commands as add_lifecycle_commands
from graphsvc.lifecycle.commands import run_objection, run_repair
from graphsvc.loading import FORMATS, LoadOptions, LoadRefused, LoadSummary, RatioScale
from graphsvc.profiles import PROFILE_NAMES, load_profile
from graphsvc.rules.table import RULES, VALIDITY_RULES
from graphsvc.stores.base import GraphStore
from graphsvc.stores.embedded import EmbeddedStore, read_only_reason
from graphsvc.vocab import Scope

if TYPE_CHECKING:
    from rich.console import Console

STORES = ("embedded", "neo4j")


@functools.cache
def _stderr() -> Console:
    """The console for messages on stderr (no wrapping: scripts read these lines). Made, and rich imported, on
    first use: a one-off query command does not pay for it."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def _datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date-time; write YYYY-MM-DDTHH:MM:SS") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphsvc",
        description="Responsibility propagation for the joint incentive / joint punishment credit system.",
    )
    parser.add_argument(
        "--store",
        choices=STORES,
        default=None,
        help=f"which store answers (default: ${STORE_ENV} or embedded)",
    )
    neo = parser.add_argument_group("Neo4j store (with --store neo4j)")
    neo.add_argument("--neo4j-uri", help="Bolt URI (default: $NEO4J_URI or bolt://localhost:7687)")
    neo.add_argument("--neo4j-user", help="user (default: $NEO4J_USER or neo4j)")
    neo.add_argument("--neo4j-password", help="password (default: $NEO4J_PASSWORD)")
    neo.add_argument("--neo4j-database", help="database (default: $NEO4J_DATABASE or neo4j)")
    neo.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="rows per UNWIND batch, and subjects per page when the analytics read the graph (default: 10000)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db_help = f"store file (default: ${DB_ENV} or {default_db_path()})"
    load = sub.add_parser(
        "load", help="validate and load canonical CSV/Parquet, FollowTheMoney, BODS or mapped CSV files"
    )
    load.add_argument("directory", type=Path, metavar="PATH", help="a folder (or one FtM, BODS or mapped file)")
    load.add_argument("--db", type=Path, help=db_help)
    load.add_argument(
        "--skip-invalid",
        action="store_true",
        help="load the valid rows; write rejected rows with reasons to <file>.rejected.csv beside the input",
    )
    load.add_argument(
        "--format",
        "--reader",
        dest="format",
        choices=FORMATS,
        default=None,
        help="input format (default: detected from the content)",
    )
    load.add_argument(
        "--mapping",
        help="column mapping for --format mapped: a shipped name (loaders/mappings/) or a YAML file; "
        "with --format ftm, overrides of loaders/ftm.yaml",
    )
    load.add_argument("--encoding", help="text encoding of CSV files (default: UTF-8 with or without BOM, or detected)")
    load.add_argument(
        "--ratio-scale",
        choices=[s.value for s in RatioScale],
        default=RatioScale.PERCENT.value,
        help="shareholder ratios as percent (60) or fractions (0.6); 60%% is percent either way",
    )
    load.add_argument(
        "--default-scope",
        choices=[s.value for s in Scope],
        default=None,
        help="scope of entries that state none (default: none; such entries are refused)",
    )
    load.add_argument("--report", type=Path, help="also write the load report to this file as JSON")

    derived = sub.add_parser("derived", help="evaluate the rules as of a date and print the derived records")
    derived.add_argument("--db", type=Path, help=db_help)
    derived.add_argument("--profile", required=True, help=f"one of {', '.join(PROFILE_NAMES)}, or a .yaml path")
    derived.add_argument("--as-of", required=True, type=_date, help="evaluation date, YYYY-MM-DD")
    derived.add_argument(
        "--known-at",
        type=_datetime,
        help="use the facts as recorded at this time (transaction time); default: everything recorded",
    )
    derived.add_argument("--format", choices=("csv", "json"), default="csv")
    derived.add_argument("--rule", action="append", help="only these rules in the output (repeatable)")
    derived.add_argument("--output", type=Path, help="write to this file instead of standard output")

    stats = sub.add_parser("stats", help="counts of subjects, roles, entries, findings and derived records")
    stats.add_argument("--db", type=Path, help=db_help)
    stats.add_argument("--format", choices=("json", "text"), default="json")

    export = sub.add_parser(
        "export-neo4j-import",
        help="validate canonical files and write CSVs for `neo4j-admin database import full` (large initial loads)",
    )
    export.add_argument("directory", type=Path, metavar="DIR")
    export.add_argument("out", type=Path, metavar="OUT", help="folder for the import CSVs")
    export.add_argument("--skip-invalid", action="store_true", help="as for load")
    export.add_argument("--database", default="neo4j", help="database name in the printed command")

    ownership = sub.add_parser(
        "ownership", help="ownership penetration (股权穿透): ultimate owners or controlled firms"
    )
    ownership.add_argument("subject", metavar="SUBJECT_ID")
    ownership.add_argument("--db", type=Path, help=db_help)
    ownership.add_argument("--as-of", type=_date, default=None, help="date of the holdings (default: today)")
    ownership.add_argument("--direction", choices=("up", "down"), default="up", help="owners (up) or owned (down)")
    ownership.add_argument("--max-depth", type=int, default=10, help="longest shareholding path (default 10)")
    ownership.add_argument("--threshold", type=float, default=0.0, help="drop paths below this percentage")
    ownership.add_argument("--limit", type=int, default=100, help="holdings returned; the rest are counted")

    controllers = sub.add_parser("controllers", help="actual-controller candidates with their evidence")
    controllers.add_argument("subject", metavar="SUBJECT_ID")
    controllers.add_argument("--db", type=Path, help=db_help)
    controllers.add_argument("--as-of", type=_date, default=None, help="date of the holdings (default: today)")
    controllers.add_argument(
        "--threshold", type=float, default=25.0, help="minimum percentage of the largest ultimate holder (default 25)"
    )

    exposure = sub.add_parser("exposure", help="related-party exposure: in-force entries within k hops, scored")
    exposure.add_argument("subject", metavar="SUBJECT_ID")
    exposure.add_argument("--db", type=Path, help=db_help)
    exposure.add_argument("--as-of", type=_date, default=None, help="date (default: today)")
    exposure.add_argument("--profile", default="default", help="profile: validity, objections and the scoring")
    exposure.add_argument("--k", type=int, default=2, help="hops, 1 to 4 (default 2)")
    exposure.add_argument("--roles", help="comma-separated role types to follow (default: all)")
    exposure.add_argument("--limit", type=int, default=100)
    exposure.add_argument("--cursor", help="next_cursor of the previous page")
    exposure.add_argument("--expand-cap", type=int, default=1000, help="edges followed per node (super-nodes)")

    paths = sub.add_parser("paths", help="how two subjects are related: shortest paths, or all simple paths")
    paths.add_argument("source", metavar="SUBJECT_A")
    paths.add_argument("target", metavar="SUBJECT_B")
    paths.add_argument("--db", type=Path, help=db_help)
    paths.add_argument("--as-of", type=_date, default=None, help="date (default: today)")
    paths.add_argument("--all", action="store_true", help="all simple paths up to --max-length (default: shortest)")
    paths.add_argument("--max-length", type=int, default=None, help="default 6 for shortest, 4 for --all")
    paths.add_argument("--roles", help="comma-separated role types to follow (default: all)")
    paths.add_argument("--limit", type=int, default=None)
    paths.add_argument("--cursor", help="next_cursor of the previous page (--all)")
    paths.add_argument("--expand-cap", type=int, default=1000, help="edges followed per node (super-nodes)")

    groups = sub.add_parser("groups", help="enterprise groups (shared legal representative, controller, majority)")
    groups.add_argument("subject", metavar="SUBJECT_ID", nargs="?", help="the group of this enterprise (default: all)")
    groups.add_argument("--db", type=Path, help=db_help)
    groups.add_argument("--as-of", type=_date, default=None, help="date (default: today)")
    groups.add_argument("--profile", default="default", help="profile deciding which entries are in force")
    groups.add_argument("--min-size", type=int, default=2)
    groups.add_argument("--limit", type=int, default=50)
    groups.add_argument("--cursor", help="next_cursor of the previous page")

    for analytic in (ownership, controllers, exposure, paths, groups):
        analytic.add_argument(
            "--export", type=Path, help="also write the subgraph to this file: .graphml, .gexf or .json (node-link)"
        )

    export_ftm = sub.add_parser(
        "export", help="write subjects, roles, entries and derived records as FollowTheMoney entities (JSON lines)"
    )
    export_ftm.add_argument("--format", choices=("ftm",), default="ftm")
    export_ftm.add_argument("--db", type=Path, help=db_help)
    export_ftm.add_argument("--as-of", type=_date, default=None, help="roles held on this date (default: today)")
    export_ftm.add_argument(
        "--scope",
        choices=[s.value for s in Scope],
        default=Scope.PUBLIC.value,
        help="what this audience may see (the API's disclosure policy); persons' ID numbers only at authorised "
        "(default: public)",
    )
    export_ftm.add_argument(
        "--profile", default="default", help="jurisdiction profile whose rules and publication rules apply"
    )
    export_ftm.add_argument("--output", type=Path, help="write to this file instead of standard output")

    summary = sub.add_parser("summary", help="the latest evaluation: derived records by rule and effect")
    summary.add_argument("--db", type=Path, help=db_help)

    sub.add_parser("profiles", help="list the jurisdiction profiles and the rules each enables")
    sub.add_parser("rules", help="print the rule table")
    add_lifecycle_commands(sub, db_help)
    add_calendar_commands(sub, db_help)
    return parser


def open_store(args: argparse.Namespace, *, read_only: bool = False) -> GraphStore:
    """The store the command asks for: --store, else $GRAPHSVC_STORE, else embedded."""
    kind = args.store or os.environ.get(STORE_ENV, "embedded")
    if kind == "neo4j":
        from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore

        if args.batch_size is not None and args.batch_size < 1:
            raise InputError("--batch-size must be at least 1")
        return Neo4jStore(
            Neo4jSettings.from_env(
                uri=args.neo4j_uri,
                user=args.neo4j_user,
                password=args.neo4j_password,
                database=args.neo4j_database,
                batch_size=args.batch_size,
            )
        )
    if kind != "embedded":
        raise InputError(f"unknown store {kind!r} (from ${STORE_ENV}); choose one of {', '.join(STORES)}")
    return EmbeddedStore(_db(args), read_only=read_only)


def _db(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "db", None) or default_db_path())


def _reader(name: str) -> Callable[..., Any]:
    from importlib.metadata import entry_points  # 30 ms of imports, needed by loads only

    found = {ep.name: ep for ep in entry_points(group="graphsvc.readers")}
    if name not in found:
        hint = "; reinstall with `pip install -e .`" if not found else ""
        raise InputError(f"no reader {name!r}; available: {', '.join(sorted(found)) or 'none'}{hint}")
    reader: Callable[..., Any] = found[name].load()
    return reader


def _cmd_load(args: argparse.Namespace, out: TextIO) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    reader = _reader(args.format or "auto")
    options = LoadOptions(
        format=args.format,
        mapping=args.mapping,
        encoding=args.encoding,
        ratio_scale=RatioScale(args.ratio_scale),
        default_scope=args.default_scope,
        skip_invalid=args.skip_invalid,
    )
    with (
        closing(open_store(args)) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=_stderr(),
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("loading", total=7)

        def progress(text: str, done: int, total: int) -> None:
            bar.update(task, description=text, completed=done, total=total)

        try:
            summary: LoadSummary = reader(args.directory, store, options, progress)
        except LoadRefused as exc:
            if args.report is not None:
                _write_report(exc.summary, args.report)
            raise
    for line in summary.lines():
        out.write(line + "\n")
    if args.report is not None:
        _write_report(summary, args.report)
    return 0


def _write_report(summary: LoadSummary, path: Path) -> None:
    path.write_text(json.dumps(summary.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _stderr().print(f"load report written to {path}", markup=False)


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def write_records(table: pa.Table, fmt: str, out: TextIO) -> None:
    rows = table.to_pylist()
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1, default=_json_default)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow(csv_row(v.isoformat() if isinstance(v, dt.date) else v for v in row.values()))


def _cmd_derived(args: argparse.Namespace, out: TextIO) -> int:
    profile = load_profile(args.profile)
    unknown = sorted(set(args.rule or ()) - set(RULES))
    if unknown:
        raise InputError(f"unknown rule(s) {unknown}; choose from {', '.join(RULES)}")
    # A read-only store is evaluated without keeping the evaluation (what `summary` reads stays as it was).
    keep = (args.store or os.environ.get(STORE_ENV, "embedded")) != "embedded" or read_only_reason(_db(args)) is None
    with closing(open_store(args, read_only=not keep)) as store:
        evaluation = evaluate(store, profile, args.as_of, known_at=args.known_at, persist=keep)
    records = evaluation.records
    if args.rule:
        records = records.filter(pc.is_in(records.column("rule"), value_set=pa.array(args.rule)))
    if args.output:
        with args.output.open("w", encoding="utf-8", newline="") as fh:
            write_records(records, args.format, fh)
        _stderr().print(f"{records.num_rows} derived records written to {args.output}")
    else:
        write_records(records, args.format, out)
    return 0


def _cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    with closing(open_store(args, read_only=True)) as store:
        counts = store.stats()
    if args.format == "json":
        out.write(json.dumps(counts) + "\n")
    else:
        out.write("".join(f"{k}: {v}\n" for k, v in counts.items()))
    return 0


def _cmd_export_neo4j_import(args: argparse.Namespace, out: TextIO) -> int:
    import tempfile

    from graphsvc.stores.neo4j_import import import_command, write_import_files

    reader = _reader("canonical")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "staging.duckdb") as staging:
        report = reader(args.directory, staging, LoadOptions(format="canonical", skip_invalid=args.skip_invalid))
        counts = write_import_files(staging, args.out)
    for name, n in counts.items():
        out.write(f"{args.out / name}: {n} rows\n")
    if report.problems:
        out.write(f"skipped {len(report.problems)} problem(s); rejected rows written beside the input\n")
    out.write("import with the database stopped, then start it; graphsvc creates the constraints on connect:\n")
    out.write("  " + import_command(args.out.resolve(), args.database) + "\n")
    return 0


def _analytics_graph(args: argparse.Namespace) -> Any:
    """The adjacency on the date, read from either store (``GraphStore.graph_on``) and traversed in memory."""
    from graphsvc.analytics.adjacency import AdjacencyCache

    with closing(open_store(args, read_only=True)) as store:
        return AdjacencyCache().get(store, args.as_of or dt.date.today())


def _analytics_inputs(args: argparse.Namespace, profile: Any) -> tuple[Any, pa.Table]:
    from graphsvc.analytics.adjacency import inputs_on

    with closing(open_store(args, read_only=True)) as store:
        return inputs_on(store, profile, args.as_of or dt.date.today())


def _cmd_ownership(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.analytics.ownership import penetrate, penetration_report

    if args.max_depth < 1 or args.limit < 0:
        raise InputError("--max-depth must be at least 1 and --limit at least 0")
    graph = _analytics_graph(args)
    result = penetrate(graph, args.subject, args.direction, max_depth=args.max_depth, threshold=args.threshold)
    return _emit(penetration_report(graph, result, limit=args.limit), graph, args, out)


def _cmd_controllers(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.analytics.ownership import controller_candidates

    graph = _analytics_graph(args)
    json.dump(
        controller_candidates(graph, args.subject, ultimate_threshold=args.threshold), out, ensure_ascii=False, indent=1
    )
    out.write("\n")
    return 0


def _roles(text: str | None) -> list[str] | None:
    return [r.strip() for r in text.split(",") if r.strip()] if text else None


def _cmd_exposure(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.analytics.exposure import exposure

    profile = load_profile(args.profile)
    graph, entries = _analytics_inputs(args, profile)
    report = exposure(
        graph,
        entries,
        args.subject,
        k=args.k,
        roles=_roles(args.roles),
        settings=profile.exposure,
        limit=args.limit,
        cursor=args.cursor,
        expand_cap=args.expand_cap,
    )
    return _emit(report, graph, args, out)


def _cmd_paths(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.analytics.paths import shortest_paths, simple_paths

    graph = _analytics_graph(args)
    options: dict[str, Any] = {"roles": _roles(args.roles), "expand_cap": args.expand_cap}
    if args.max_length is not None:
        options["max_length"] = args.max_length
    if args.limit is not None:
        options["limit"] = args.limit
    if args.all:
        report = simple_paths(graph, args.source, args.target, cursor=args.cursor, **options)
    else:
        report = shortest_paths(graph, args.source, args.target, **options)
    return _emit(report, graph, args, out)


def _cmd_groups(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.analytics.groups import group_of, groups

    graph, entries = _analytics_inputs(args, load_profile(args.profile))
    if args.subject:
        report = group_of(graph, entries, args.subject, limit=args.limit, cursor=args.cursor)
    else:
        report = groups(graph, entries, min_size=args.min_size, limit=args.limit, cursor=args.cursor)
    return _emit(report, graph, args, out)


def _say_cut(report: Any) -> None:
    """On stderr, beside the JSON: that the answer is not whole, and which caps or limits cut it."""
    if not isinstance(report, dict) or report.get("complete", True):
        return
    for cut in report.get("cut_by", []):
        where = ", ".join(cut["subjects"]) + (f" and {cut['more_subjects']} more" if cut["more_subjects"] else "")
        _stderr().print(
            f"incomplete answer: cut by {cut['limit']} = {cut['value']:g} ({cut['meaning']})"
            + (f" at {where}" if where else ""),
            markup=False,
        )


def _emit(report: Any, graph: Any, args: argparse.Namespace, out: TextIO) -> int:
    """Print a report as JSON and, with --export, write its subgraph for Gephi, Cytoscape or networkx."""
    fmt = args.export.suffix.lstrip(".").lower() if args.export is not None else None
    if fmt is not None:  # networkx is imported only to export
        from graphsvc.analytics.export import FORMATS

        if fmt not in FORMATS:
            raise InputError(f"--export {args.export}: use a .graphml, .gexf or .json file name")
    json.dump(report, out, ensure_ascii=False, indent=1, default=_json_default)
    out.write("\n")
    _say_cut(report)
    if fmt is not None:
        from graphsvc.analytics.export import subgraph_from_report, write_subgraph

        subgraph = subgraph_from_report(graph, report)
        write_subgraph(subgraph, args.export, fmt)
        _stderr().print(
            f"subgraph with {subgraph.number_of_nodes()} nodes and {subgraph.number_of_edges()} edges "
            f"written to {args.export}",
            markup=False,
        )
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from graphsvc.export_ftm import write_ftm

    as_of = args.as_of or dt.date.today()
    profile = load_profile(args.profile)
    with closing(open_store(args, read_only=True)) as store:
        if args.output:
            with args.output.open("w", encoding="utf-8") as fh:
                n = write_ftm(store, fh, as_of=as_of, scope=Scope(args.scope), profile=profile)
            _stderr().print(f"{n} FtM entities written to {args.output}", markup=False)
        else:
            write_ftm(store, out, as_of=as_of, scope=Scope(args.scope), profile=profile)
    return 0


def _cmd_summary(args: argparse.Namespace, out: TextIO) -> int:
    with closing(open_store(args, read_only=True)) as store:
        counts = store.stats()
        evaluation = store.latest_evaluation()
    out.write("store: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
    if evaluation is None:
        out.write("no evaluation yet: run `graphsvc derived --profile NAME --as-of YYYY-MM-DD`\n")
        return 0
    out.write(
        f"latest evaluation: profile {evaluation.profile}, as of {evaluation.as_of.isoformat()}, "
        f"evaluated at {evaluation.evaluated_at.isoformat(timespec='seconds')}\n"
    )
    by_effect: dict[tuple[str, str], int] = {}
    rules = [str(r) for r in evaluation.records.column("rule").to_pylist()]
    effects = [str(e) for e in evaluation.records.column("effect").to_pylist()]
    for rule, effect in zip(rules, effects, strict=True):
        by_effect[(rule, effect)] = by_effect.get((rule, effect), 0) + 1
    for (rule, effect), n in sorted(by_effect.items()):
        out.write(f"  {rule:3} {effect:34} {n:>9}  {RULES[rule].title_zh}\n")
    return 0


def _cmd_profiles(args: argparse.Namespace, out: TextIO) -> int:
    for name in PROFILE_NAMES:
        p = load_profile(name)
        enabled = [r for r in RULES if p.enabled(r)]
        out.write(
            f"{name:9} {p.title}: rules {', '.join(enabled)}; objection {p.objection_policy.value}; "
            f"validity {p.validity.mode.value}; seed {p.seed or '-'}\n"
        )
    return 0


def _cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    for spec in RULES.values():
        out.write(
            f"{spec.id}  {spec.title} / {spec.title_zh}\n    trigger: {spec.trigger_text}\n"
            f"    shape:   {spec.shape.value}\n"
            f"    reaches: {spec.targets_text}\n    effect:  {', '.join(spec.effects.values())}\n"
            f"    cites:   {spec.citation(None)}\n"
        )
    for rule_id, text in VALIDITY_RULES.items():
        out.write(f"{rule_id}  {text}\n")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "load": _cmd_load,
    "derived": _cmd_derived,
    "stats": _cmd_stats,
    "summary": _cmd_summary,
    "ownership": _cmd_ownership,
    "exposure": _cmd_exposure,
    "paths": _cmd_paths,
    "groups": _cmd_groups,
    "controllers": _cmd_controllers,
    "export-neo4j-import": _cmd_export_neo4j_import,
    "export": _cmd_export,
    "profiles": _cmd_profiles,
    "rules": _cmd_rules,
    "objection": lambda args, out: run_objection(args, out, open_store),
    "repair": lambda args, out: run_repair(args, out, open_store),
    "calendar": lambda args, out: run_calendar(args, out, open_store),
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    output = out or sys.stdout
    return quiet_on_closed_pipe(lambda: _run(args, output), output)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    try:
        return _COMMANDS[args.command](args, out)
    except BrokenPipeError:
        raise  # the reader of the output left: quiet_on_closed_pipe
    except LoadRejected as exc:
        for problem in exc.problems:
            _stderr().print(str(problem), markup=False)
        _stderr().print(f"error: {exc}", markup=False)
        return exc.exit_code
    except GraphsvcError as exc:
        _stderr().print(f"error: {exc}", markup=False)
        return exc.exit_code
    except Exception as exc:
        # A full disk, a read-only folder, a corrupt store: one line saying what to do, not a traceback.
        where = str(getattr(args, "db", None) or getattr(args, "output", None) or default_db_path())
        line = faults.describe(exc, where)
        if line is None:
            raise
        _stderr().print(f"error: {line}", markup=False)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
