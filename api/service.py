"""The service object every router reaches through ``Depends``: settings, store access, views, audit, keys."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, Header, Query, Request

from api.audit import AuditJournal
from api.problems import ApiProblem
from api.settings import ServiceSettings
from api.storage import StoreAccess
from api.tiers import ANONYMOUS, AUTHORISATION_HEADER, KEY_HEADER, Caller, KeyRing, Tier
from api.views import Views
from graphsvc.analytics.adjacency import AdjacencyCache
from graphsvc.errors import ProfileError
from graphsvc.profiles import PROFILE_NAMES, load_profile

log = logging.getLogger("graphsvc.api")


class Service:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.keys = KeyRing.load(settings.api_keys)
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

    def start(self) -> None:
        self.audit.start(self.settings.audit_flush_seconds)
        # Evaluate the service's own profile and date in the background, so the first request need not wait.
        threading.Thread(target=self._warm, name="warm-views", daemon=True).start()

    def _warm(self) -> None:
        try:
            self.views.view(self.settings.profile, self.settings.today())
        except Exception:  # the first request then builds the view and reports any error itself
            log.warning("could not prepare the view for %s", self.settings.today(), exc_info=True)

    def close(self) -> None:
        try:
            self.audit.close()
        finally:
            self.access.close()

    def date_or_today(self, date: dt.date | None) -> dt.date:
        return date or self.settings.today()

    def profile_or_default(self, profile: str | None) -> str:
        """The service's profile, or a bundled one by name. Callers may not name files: a profile path is
        for the operator (``--profile FILE.yaml``), not for requests."""
        if profile is None or profile == self.settings.profile:
            return self.settings.profile
        if profile not in PROFILE_NAMES:
            raise ProfileError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
        return profile

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


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def get_caller(
    request: Request,
    api_key: Annotated[str | None, Header(alias=KEY_HEADER, description="API key; none: public tier")] = None,
    authorisation_ref: Annotated[
        str | None,
        Header(
            alias=AUTHORISATION_HEADER,
            description="the subject's authorisation reference (授权查询, PRV-04); required on the authorised tier",
        ),
    ] = None,
) -> Caller:
    if not api_key:
        return ANONYMOUS
    record = get_service(request).keys.identify(api_key)
    if record is None:
        raise ApiProblem(401, "Unknown API key", f"the {KEY_HEADER} header holds no known key; omit it to be public")
    ref = (authorisation_ref or "").strip() or None
    if record.tier is Tier.AUTHORISED and ref is None:
        raise ApiProblem(
            403,
            "Authorisation reference required",
            f"key {record.key_id!r} is on the authorised tier: every request must carry the subject's "
            f"authorisation reference in the {AUTHORISATION_HEADER} header (PRV-04)",
        )
    return Caller(record.key_id, record.tier, ref)


def require(tier: Tier) -> Any:
    """A dependency admitting callers at ``tier`` or above; others get 403 with the reason."""

    def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.tier < tier:
            raise ApiProblem(
                403,
                "Tier too low",
                f"this request needs the {tier.label} tier; your key ({caller.key_id}) is {caller.tier.label}",
            )
        return caller

    return Depends(check)


ServiceDep = Annotated[Service, Depends(get_service)]
# Query parameters most endpoints share: the date and the profile the rules are evaluated for.
AsOfQuery = Annotated[dt.date | None, Query(description="evaluation date; default the service's date")]
ProfileQuery = Annotated[str | None, Query(description="a bundled jurisdiction profile; default the service's")]
CallerDep = Annotated[Caller, Depends(get_caller)]
