"""The service object every router reaches through ``Depends``: settings, store access, views, audit, keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
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
from graphsvc.errors import ProfileError
from graphsvc.profiles import PROFILE_NAMES, load_profile

log = logging.getLogger("graphsvc.api")


class Service:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.keys = LiveKeyRing(settings.api_keys)
        load_profile(settings.profile)  # fail at start, not at the first request, on an unknown profile
        self.access = StoreAccess(settings)
        with self.access.write() as store:  # creates the service's tables in a store made by an older version
            store.generation()
        self.views = Views(self.access)
        self.audit = AuditJournal(settings.audit_dir, self.access)
        # The analytics' in-memory graph per date, rebuilt after a load (graphsvc/analytics/adjacency.py).
        self.adjacency = AdjacencyCache()
        self.adjacency_lock = threading.Lock()
        # (profile, date, visible scopes) -> (batch, entries in force the caller may see)
        self.analytics_entries: dict[tuple[str, dt.date, frozenset[str]], tuple[int, pa.Table]] = {}
        # Authorisations are never edited, so one read once stays true (only its window is checked each time).
        self._authorisations: dict[str, Authorisation] = {}

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

    def authorisation(self, authorisation_id: str) -> Authorisation | None:
        found = self._authorisations.get(authorisation_id)
        if found is None:
            with self.access.read() as store:
                found = Authorisation.from_table(store.authorisation(authorisation_id))
            if found is not None:
                self._authorisations[authorisation_id] = found
        return found

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
        """Audit one request that returned personal data or list information (PRV-06)."""
        params: dict[str, Any] = dict(request.query_params)
        params.update(request.path_params)
        params.update(parameters or {})
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
    return record.caller()


async def get_caller(request: Request, api_key: KeyHeader = None, authorisation_ref: RefHeader = None) -> Caller:
    """The caller, with the subjects its authorisation covers on the authorised tier: the reference must name
    an authorisation given to this key and in force on the service's date (004 管理办法 第二十二條)."""
    caller = _principal(request, api_key)
    ref = (authorisation_ref or "").strip() or None
    caller = dataclasses.replace(caller, authorisation_ref=ref)
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
    return dataclasses.replace(caller, authorised_subjects=frozenset({authorisation.subject_id}))


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
