"""The service object every router reaches through ``Depends``: settings, store access, views, audit, keys."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from api.audit import AuditJournal
from api.authz import Refusal, RegionOf, place_of
from api.inputs import ApiDate
from api.problems import ApiProblem
from api.settings import ServiceSettings
from api.storage import StoreAccess
from api.tiers import ANONYMOUS, AUTHORISATION_HEADER, KEY_HEADER, Caller, LiveKeyRing, Tier, key_fingerprint
from api.views import Views
from graphsvc.analytics.adjacency import AdjacencyCache
from graphsvc.authorisations import Authorisation
from graphsvc.calendar import load_calendar
from graphsvc.disclosure import reading_refusal
from graphsvc.errors import ProfileError, StoreError
from graphsvc.lifecycle import deadlines
from graphsvc.profiles import PROFILE_NAMES, load_profile
from graphsvc.stores.audited import AuditedStore
from graphsvc.stores.base import AuditRecord, FactsVersion, GraphStore

log = logging.getLogger("graphsvc.api")


class Service:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.keys = LiveKeyRing(settings.api_keys)
        profile = load_profile(settings.profile)  # fail at start, not at the first request, on an unknown profile
        calendar = load_calendar().with_profile(profile.calendar)  # and on a calendar file that cannot be read
        self.access = StoreAccess(settings)
        if self.access.read_only is None:
            with self.access.write() as store:  # creates the service's tables in a store made by an older version
                store.generation()
                # Deadlines counted provisionally over a year whose holiday notice the calendar now has are counted
                # again, and the change recorded (graphsvc/lifecycle/deadlines.py).
                recounted = deadlines.recount(store, calendar, on=settings.today())
            if recounted:
                log.info("calendar %s: %d provisional deadline(s) counted again", calendar.origin, len(recounted))
        else:
            log.warning("%s", self.access.read_only)
        # Why the last write failed (the store could not commit it), until a write succeeds: /ready says so.
        self.write_problem: str | None = None
        self.views = Views(self.access)
        self.audit = AuditJournal(settings.audit_dir, self.access)
        # The analytics' in-memory graph per date, rebuilt after a load (graphsvc/analytics/adjacency.py).
        self.adjacency = AdjacencyCache()
        self.adjacency_lock = threading.Lock()
        # (profile, date, visible scopes) -> (the facts they are from, entries in force the caller may see)
        self.analytics_entries: dict[tuple[str, dt.date, frozenset[str]], tuple[FactsVersion, pa.Table]] = {}
        # Authorisations are never edited, so one read once stays true (only its window is checked each time)
        # for as long as the store is the same: one made anew at the same path does not hold them.
        self._authorisations: dict[tuple[str, str], Authorisation] = {}

    def start(self) -> None:
        self.audit.start(self.settings.audit_flush_seconds)
        # Evaluate the service's own profile and date, and index the subject facts, in the background, so the
        # first request need not wait.
        self._warming = threading.Thread(target=self._warm, name="warm-views", daemon=True)
        self._warming.start()

    def _warm(self) -> None:
        try:
            self.views.view(self.settings.profile, self.settings.today())
            self.views.warm_facts()  # the subject profiles' index, after the decision checks' view
        except Exception:  # the first request then builds the view and reports any error itself
            log.warning("could not prepare the view for %s", self.settings.today(), exc_info=True)

    def close(self) -> None:
        # The warm-up may still be reading through the store's driver: let it finish before the store closes
        # (closing a Neo4j driver under a running query breaks its connection buffers).
        warming = getattr(self, "_warming", None)
        if warming is not None:
            warming.join(timeout=60)
        try:
            self.audit.close()
        finally:
            self.access.close()

    def date_or_today(self, date: dt.date | None) -> dt.date:
        return date or self.settings.today()

    def regions(self) -> RegionOf:
        """The stored subjects' regions (api/authz.py limits the writes of keys with a region by them), read from
        the current snapshot: take it before a write begins (the snapshot reads the store)."""
        snapshot = self.views.snapshot()
        return lambda subject_id: place_of(snapshot.subject(subject_id))

    def profile_or_default(self, profile: str | None) -> str:
        """The service's profile, or a bundled one by name. Callers may not name files: a profile path is
        for the operator (``--profile FILE.yaml``), not for requests."""
        if profile is None or profile == self.settings.profile:
            return self.settings.profile
        if profile not in PROFILE_NAMES:
            raise ProfileError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
        return profile

    def reading(
        self, request: Request, caller: Caller, as_of: dt.date | None, profile: str | None
    ) -> tuple[str, dt.date]:
        """The profile and date a read is answered for; the public reads the service's own (the disclosure
        policy, graphsvc/disclosure.py), others any bundled profile and any date. A refusal is audited."""
        name = self.profile_or_default(profile)
        date = self.date_or_today(as_of)
        why = reading_refusal(
            caller.audience,
            as_of=date,
            profile=name,
            service_date=self.settings.today(),
            service_profile=self.settings.profile,
        )
        if why is not None:
            raise self.refuse(request, caller, Refusal(403, "Not published to the public", why), [])
        return name, date

    def authorisation(self, authorisation_id: str) -> Authorisation | None:
        key = (self.access.generation().store, authorisation_id)
        found = self._authorisations.get(key)
        if found is None:
            with self.access.read() as store:
                found = Authorisation.from_table(store.authorisation(authorisation_id))
            if found is not None:
                self._authorisations[key] = found
        return found

    def audit_event(
        self, request: Request, caller: Caller, result_ids: list[str], parameters: dict[str, Any] | None = None
    ) -> AuditRecord:
        """The audit event of this request as it is answered when it succeeds (the route's status code)."""
        params = _parameters(request, parameters)
        route = request.scope.get("route")
        return AuditRecord(
            event_id=uuid.uuid4().hex,
            requested_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            key_id=caller.key_id,
            tier=caller.tier.label,
            method=request.method,
            endpoint=request.url.path,
            parameters=params,
            authorisation_ref=caller.authorisation_ref,
            status=int(getattr(route, "status_code", None) or 200),
            result_ids=tuple(result_ids),
        )

    @contextlib.contextmanager
    def audited_write(
        self, request: Request, caller: Caller, result_ids: list[str], parameters: dict[str, Any] | None = None
    ) -> Iterator[GraphStore]:
        """The store for this request's write: the write takes the request's audit event along and the store
        commits both in one transaction (graphsvc/stores/audited.py), so a write is answered success only if it
        is committed and audited (PRV-06). Any failure of the store is a 503 with the reason (``/ready`` says it
        until a write succeeds); nothing was committed then. A request that ends without writing (nothing to
        change) is audited in the journal, as reads are."""
        if self.access.read_only is not None:
            raise ApiProblem(503, "Store read-only", self.access.read_only)
        event = self.audit_event(request, caller, result_ids, parameters)
        try:
            with self.access.write() as store:
                audited = AuditedStore(store, event)
                yield audited.as_store()
        except StoreError as exc:
            self.write_problem = f"the last write failed: {exc}"
            raise
        finally:
            self.access.forget_generation()
        self.write_problem = None
        if audited.written:
            request.state.audited = True
        else:
            self.record_access(request, caller, result_ids, parameters, status=event.status)

    def limit_answer(self, rows: int, what: str, narrower: str) -> None:
        """An answer that is not paged holds at most GRAPHSVC_MAX_ANSWER_ROWS rows: one that would hold more is
        refused before it is built, saying how to ask for less."""
        limit = self.settings.max_answer_rows
        if rows > limit:
            raise ApiProblem(
                400,
                "Answer too large",
                f"{rows} {what} match; one answer holds at most {limit} (GRAPHSVC_MAX_ANSWER_ROWS): {narrower}",
            )

    def refuse(self, request: Request, caller: Caller, refusal: Refusal, ids: list[str]) -> ApiProblem:
        """Audit a refused request and return the problem to raise."""
        self.record_access(request, caller, ids, {"refused": refusal.detail}, status=refusal.status)
        return ApiProblem(refusal.status, refusal.title, refusal.detail)

    def record_access(
        self,
        request: Request,
        caller: Caller,
        result_ids: list[str],
        parameters: dict[str, Any] | None = None,
        status: int = 200,
    ) -> None:
        """Audit one request that returned personal data or list information (PRV-06), in the journal."""
        params = _parameters(request, parameters)
        self.audit.record(
            key_id=caller.key_id,
            tier=caller.tier.label,
            method=request.method,
            endpoint=request.url.path,
            parameters=params,
            authorisation_ref=caller.authorisation_ref,
            status=status,
            result_ids=result_ids,
        )
        request.state.audited = True

    def audit_refusal(self, request: Request, status: int, title: str, detail: str) -> None:
        """Audit a problem answer (400-499) on /v1 that nothing audited yet: a 409, a 422, a refusal of the
        domain. The caller is the one the request's key names, where it got that far (api/problems.py)."""
        if getattr(request.state, "audited", False) or not request.url.path.startswith("/v1/"):
            return
        caller: Caller | None = getattr(request.state, "caller", None)
        if caller is None:
            key = request.headers.get(KEY_HEADER)
            record = self.keys.identify(key) if key else None
            if record is not None:
                caller = record.caller()
            elif key:
                caller = Caller(key_fingerprint(key), Tier.PUBLIC)
            else:
                caller = ANONYMOUS
        self.record_access(request, caller, [], {"refused": detail, "title": title}, status=status)


def _parameters(request: Request, given: dict[str, Any] | None) -> dict[str, Any]:
    """What the audit log keeps of a request's parameters: its query, its path and what the handler adds."""
    params: dict[str, Any] = dict(request.query_params)
    params.update(request.path_params)
    params.update(given or {})
    return params


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


# The dependencies are coroutines: FastAPI runs a plain function dependency in its thread pool, and four such
# hops per request cost a decision check about as much as answering it. None of them waits on the store, except
# the authorisation look-up of the authorised tier, which goes to the thread pool.


async def get_service(request: Request) -> Service:
    return service_of(request)


KeyHeader = Annotated[str | None, Header(alias=KEY_HEADER, description="API key; none: public tier")]
RefHeader = Annotated[
    str | None,
    Header(
        alias=AUTHORISATION_HEADER,
        description="the id of an authorisation in force for the subject (授权查询, PRV-04; POST "
        "/v1/authorisations records one); required on the authorised tier",
    ),
]


async def get_principal(request: Request, api_key: KeyHeader = None) -> Caller:
    """The key's principal (tier, department, region), without the authorisation check: for recording
    authorisations, which an authorised-tier key must be able to do before it holds one."""
    return _principal(request, api_key)


def _principal(request: Request, api_key: str | None) -> Caller:
    if not api_key:
        return ANONYMOUS
    service = service_of(request)
    record = service.keys.identify(api_key)
    if record is None:
        # Failed authentication is audited with what identifies the attempt, never the key itself.
        stranger = Caller(key_fingerprint(api_key), Tier.PUBLIC)
        address = request.client.host if request.client else None
        service.record_access(request, stranger, [], {"refused": "unknown API key", "address": address}, status=401)
        raise ApiProblem(401, "Unknown API key", f"the {KEY_HEADER} header holds no known key; omit it to be public")
    caller = record.caller()
    request.state.caller = caller  # who a later refusal is audited for (Service.audit_refusal)
    return caller


async def get_caller(request: Request, api_key: KeyHeader = None, authorisation_ref: RefHeader = None) -> Caller:
    """The caller, with the subjects its authorisation covers on the authorised tier: the reference must name
    an authorisation given to this key and in force on the service's date (004 管理办法 第二十二條)."""
    caller = _principal(request, api_key)
    ref = (authorisation_ref or "").strip() or None
    caller = dataclasses.replace(caller, authorisation_ref=ref)
    request.state.caller = caller
    if caller.tier is not Tier.AUTHORISED:
        return caller
    service = service_of(request)
    if ref is None:
        raise service.refuse(
            request,
            caller,
            Refusal(
                403,
                "Authorisation reference required",
                f"key {caller.key_id!r} is on the authorised tier: every request must carry the id of the "
                f"subject's authorisation in the {AUTHORISATION_HEADER} header (PRV-04)",
            ),
            [],
        )
    today = service.settings.today()
    authorisation = await run_in_threadpool(service.authorisation, ref)
    if authorisation is None or authorisation.grantee != caller.key_id or not authorisation.in_force(today):
        # One answer for an unknown reference, another key's, and one out of its window: nothing to probe.
        raise service.refuse(
            request,
            caller,
            Refusal(
                403,
                "Authorisation not in force",
                f"{AUTHORISATION_HEADER} {ref!r} names no authorisation given to key {caller.key_id!r} and in force "
                f"on {today}; record one with POST /v1/authorisations (004 管理办法 第二十二條)",
            ),
            [],
        )
    caller = dataclasses.replace(caller, authorised_subjects=frozenset({authorisation.subject_id}))
    request.state.caller = caller
    return caller


def _tier_check(tier: Tier, caller: Caller, request: Request) -> Caller:
    if caller.tier < tier:
        refusal = Refusal(
            403,
            "Tier too low",
            f"this request needs the {tier.label} tier; your key ({caller.key_id}) is {caller.tier.label}",
        )
        raise service_of(request).refuse(request, caller, refusal, [])
    return caller


def require(tier: Tier) -> Any:
    """A dependency admitting callers at ``tier`` or above; others get 403 with the reason (audited)."""

    async def check(request: Request, caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        return _tier_check(tier, caller, request)

    return Depends(check)


def require_principal(tier: Tier) -> Any:
    """As ``require``, without the authorisation reference check (see ``get_principal``)."""

    async def check(request: Request, caller: Annotated[Caller, Depends(get_principal)]) -> Caller:
        return _tier_check(tier, caller, request)

    return Depends(check)


ServiceDep = Annotated[Service, Depends(get_service)]
# Query parameters most endpoints share: the date and the profile the rules are evaluated for.
AsOfQuery = Annotated[ApiDate | None, Query(description="evaluation date; default the service's date")]
ProfileQuery = Annotated[str | None, Query(description="a bundled jurisdiction profile; default the service's")]
CallerDep = Annotated[Caller, Depends(get_caller)]
