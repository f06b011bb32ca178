"""``graphsvc-api``: serve the API, manage API keys, export the audit log.

graphsvc-api serve [--db PATH] [--host H] [--port N] [--workers N] [--profile P] [--as-of D]
graphsvc-api keys add ID --tier government --department D [--region R] [--delegated D2 ...] [--file PATH]
graphsvc-api keys revoke ID [--file PATH]
graphsvc-api audit [--db PATH] [--since T] [--until T] --format csv|json [--output FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from graphsvc.closedpipe import quiet_on_closed_pipe
from graphsvc.errors import GraphsvcError

# uvicorn restarts a worker that does not answer its supervisor's ping within this many seconds (its own default
# is 5). Rebuilding a worker's views and facts index after a load holds the interpreter for seconds at 1M subjects
# and for a minute or more at 10M, in native calls that the ping's thread cannot interrupt.
WORKER_HEALTHCHECK_SECONDS = 300


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphsvc-api", description="the graphsvc HTTP API")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API and the dashboard")
    serve.add_argument("--db", type=Path, help="embedded store file (else $GRAPHSVC_DB)")
    serve.add_argument("--store", choices=("embedded", "neo4j"), help="else $GRAPHSVC_STORE, else embedded")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--worker-healthcheck",
        type=int,
        default=WORKER_HEALTHCHECK_SECONDS,
        metavar="SECONDS",
        help=f"with several workers, how long a worker may not answer the supervisor's ping before it is restarted "
        f"(default {WORKER_HEALTHCHECK_SECONDS}: a worker rebuilding its views after a load of millions of subjects "
        "is busy for a minute)",
    )
    serve.add_argument("--profile", help="jurisdiction profile (else $GRAPHSVC_PROFILE, else default)")
    serve.add_argument("--as-of", help="the service's date, YYYY-MM-DD (else today)")
    serve.add_argument("--api-keys", type=Path, help="API key file (else $GRAPHSVC_API_KEYS)")

    keys = sub.add_parser("keys", help="create or revoke API keys (stored as SHA-256 digests)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    add = keys_sub.add_parser("add", help="create a key and print it once")
    add.add_argument("key_id")
    add.add_argument("--tier", required=True, choices=("public", "government", "authorised", "admin"))
    add.add_argument(
        "--department",
        help="the designating unit the key belongs to (e.g. 市市场监管局): it may write that department's entries",
    )
    add.add_argument("--region", help="the key's region (administrative division code, e.g. 230600)")
    add.add_argument(
        "--delegated",
        action="append",
        default=[],
        metavar="DEPARTMENT",
        help="a further department the key may write for (repeatable)",
    )
    add.add_argument("--file", type=Path, help="key file (else $GRAPHSVC_API_KEYS)")
    revoke = keys_sub.add_parser("revoke", help="remove a key")
    revoke.add_argument("key_id")
    revoke.add_argument("--file", type=Path)

    audit = sub.add_parser("audit", help="export the audit log (moves pending journal lines in first)")
    audit.add_argument("--db", type=Path)
    audit.add_argument("--since", type=dt.datetime.fromisoformat, help="UTC time, inclusive")
    audit.add_argument("--until", type=dt.datetime.fromisoformat, help="UTC time, exclusive")
    audit.add_argument("--format", choices=("csv", "json"), default="csv")
    audit.add_argument("--output", type=Path)
    return parser


def _key_file(given: Path | None) -> Path:
    path = given or (Path(os.environ["GRAPHSVC_API_KEYS"]) if os.environ.get("GRAPHSVC_API_KEYS") else None)
    if path is None:
        raise GraphsvcError("no key file: pass --file or set GRAPHSVC_API_KEYS")
    return path


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    # Worker processes read their settings from the environment (api/settings.py).
    for flag, env in (
        ("db", "GRAPHSVC_DB"),
        ("store", "GRAPHSVC_STORE"),
        ("profile", "GRAPHSVC_PROFILE"),
        ("as_of", "GRAPHSVC_AS_OF"),
        ("api_keys", "GRAPHSVC_API_KEYS"),
    ):
        value = getattr(args, flag)
        if value is not None:
            os.environ[env] = str(value)
    from api.app import create_app

    create_app().state.service.close()  # check the settings, keys, profile and store before starting workers
    print(f"graphsvc API and dashboard: http://{args.host}:{args.port}/  (OpenAPI: /docs)", file=out, flush=True)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        timeout_worker_healthcheck=args.worker_healthcheck,
        log_level="warning",
        # Header and body deadlines (api/server.py); by name, so that every worker process imports it.
        http="api.server:TimedHttpProtocol",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default: a local caller could then name any
        # address, for the rate limit and the audit log. The app believes only GRAPHSVC_TRUSTED_PROXIES.
        proxy_headers=False,
    )
    return 0


def _audit(args: argparse.Namespace, out: TextIO) -> int:
    from api.audit import AuditJournal
    from api.queries import to_csv
    from api.settings import ServiceSettings
    from api.storage import StoreAccess
    from graphsvc.stores.base import AUDIT_SCHEMA

    if args.db is not None:
        os.environ["GRAPHSVC_DB"] = str(args.db)
    settings = ServiceSettings.from_env()
    access = StoreAccess(settings)
    try:
        if settings.audit_dir.exists():
            journal = AuditJournal(settings.audit_dir, access)
            try:
                journal.flush(all_segments=True)
            finally:
                journal.close()
                journal.segment.unlink(missing_ok=True)  # this process wrote nothing
        with access.read() as store:
            events = store.audit_events(args.since, args.until).to_pylist()
    finally:
        access.close()
    text = (
        to_csv(events, tuple(AUDIT_SCHEMA.names))
        if args.format == "csv"
        else json.dumps(events, default=str, ensure_ascii=False, indent=1) + "\n"
    )
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    output = out or sys.stdout
    args = _parser().parse_args(argv)
    return quiet_on_closed_pipe(lambda: _run(args, output), output)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    try:
        if args.command == "serve":
            return _serve(args, out)
        if args.command == "audit":
            return _audit(args, out)
        from api.tiers import Tier, add_key, revoke_key

        path = _key_file(args.file)
        if args.keys_command == "add":
            key = add_key(
                path,
                args.key_id,
                Tier.parse(args.tier),
                department=args.department,
                region=args.region,
                delegated=tuple(args.delegated),
            )
            print(f"{args.key_id} ({args.tier}): {key}", file=out)
            if args.department:
                writes = ", ".join([args.department, *args.delegated])
                print(f"{args.key_id} writes for {writes}", file=sys.stderr)
            if args.tier in ("government", "authorised") and not args.department:
                print(
                    "this key has no department: it may read, but not write department-owned entries", file=sys.stderr
                )
            print("the key is shown only now; the file keeps its SHA-256 digest", file=sys.stderr)
        else:
            revoke_key(path, args.key_id)
        return 0
    except GraphsvcError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
