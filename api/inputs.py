"""What request text and dates must be (the request models and api/strict.py use these checks).

- Text (ids, names, reasons, every string of a body, path and query) may not hold control characters, lone
  surrogates or bidirectional overrides (which make a text display other than it reads), nor be over-long: 422.
- Dates lie between the founding of the People's Republic (1949-10-01) and 2100-12-31: no record of this
  credit system is dated outside, and a date outside is a typo (20240-01-01) that would otherwise be kept.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

EARLIEST = dt.date(1949, 10, 1)
LATEST = dt.date(2100, 12, 31)
# ISO dates from 1949-10-01 to 2100-12-31, for the OpenAPI schema (clients and schemathesis read it).
_DAYS = r"(1949-1[0-2]-[0-3]\d|19[5-9]\d-[01]\d-[0-3]\d|20\d\d-[01]\d-[0-3]\d|2100-[01]\d-[0-3]\d)"
DATE_PATTERN = rf"^{_DAYS}$"
# ISO times whose date lies in the same range (audit export bounds).
MOMENT_PATTERN = rf"^{_DAYS}([T ]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?)?(Z|[+-]\d{{2}}:?\d{{2}})?$"
ID_MAX = 200
TEXT_MAX = 4000
# Bidirectional embeddings, overrides and isolates (Unicode TR 9): U+202A-U+202E, U+2066-U+2069.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# What ``text_problem`` refuses, as a JSON-schema character class: control characters but tab, newline and return,
# and bidirectional controls. The OpenAPI schema states it on every free-text string (``constrain_text``), so that
# clients and schema-driven tests know what is accepted. (A lone surrogate, also refused, is no character of a
# JSON string at all, and regex engines such as Rust's cannot name it.)
_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
TEXT_PATTERN = rf"^[^{_REFUSED}]*$"
# A query value also holds something besides blanks (an empty ``?profile=`` is refused, api/strict.py).
QUERY_PATTERN = rf"^[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*$"


def text_problem(value: str, max_length: int = TEXT_MAX) -> str | None:
    """What is wrong with one text value, or None."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} are accepted"
    for char in value:
        if char in _BIDI:
            return f"holds the bidirectional control U+{ord(char):04X}, which makes text display other than it reads"
        category = unicodedata.category(char)
        if category == "Cs":
            return f"holds a lone surrogate U+{ord(char):04X}: not a character"
        if category == "Cc" and char not in "\t\n\r":
            return f"holds the control character U+{ord(char):04X}"
    return None


def date_problem(day: dt.date) -> str | None:
    if not EARLIEST <= day <= LATEST:
        return f"{day} lies outside {EARLIEST}..{LATEST}"
    return None


def _in_range(day: dt.date) -> dt.date:
    problem = date_problem(day)
    if problem is not None:
        raise ValueError(problem)
    return day


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    """A date is written YYYY-MM-DD: no timestamps (``as_of=1.5`` would otherwise be 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    return value


def _moment_in_range(moment: dt.datetime) -> dt.datetime:
    _in_range(moment.date())
    return moment


# A date of a query or a body, refused outside 1949-10-01..2100-12-31.
ApiDate = Annotated[
    dt.date, BeforeValidator(_iso_only), AfterValidator(_in_range), Field(json_schema_extra={"pattern": DATE_PATTERN})
]
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")


def _iso_moment_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_MOMENT.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a time YYYY-MM-DDTHH:MM[:SS][+HH:MM]")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time YYYY-MM-DDTHH:MM[:SS][+HH:MM]")
    return value


# A time of a query (audit export bounds), ISO 8601, its date within the same range.
ApiDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_moment_only),
    AfterValidator(_moment_in_range),
    Field(json_schema_extra={"pattern": MOMENT_PATTERN}),
]


def _check_strings(value: Any, where: str, problems: list[str]) -> None:
    if isinstance(value, str):
        limit = ID_MAX if where.endswith("_id") or where in ("grantee", "subject_id") else TEXT_MAX
        problem = text_problem(value, limit)
        if problem is not None:
            problems.append(f"{where} {problem}")
        # Text dates of the loaders' columns (act_date, determined_on ...): range checked here, format there.
        if where.endswith(("_date", "_on", "_until", "_since", "_from")):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return
            if (bad := date_problem(day)) is not None:
                problems.append(f"{where} {bad}")
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, where, problems)
    elif isinstance(value, dict):  # a map of fields (an objection decision's correction): each value as its field
        for key, item in value.items():
            _check_strings(key, where, problems)
            _check_strings(item, f"{where}.{key}", problems)


class CheckedModel(BaseModel):
    """A request body whose every string (extra fields included) passes ``text_problem``."""

    @model_validator(mode="after")
    def _safe_text(self) -> CheckedModel:
        problems: list[str] = []
        fields = dict(self.__dict__) | dict(self.__pydantic_extra__ or {})
        for name, value in fields.items():
            if isinstance(value, BaseModel):
                continue  # nested models check themselves
            _check_strings(value, name, problems)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in schema.get("paths", {}).values() for op in path.values() if isinstance(op, dict)]


def _request_models(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The component schemas request bodies use (directly or nested), not those only answers use."""
    components = schema.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    todo = [op.get("requestBody", {}) for op in _operations(schema)]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen and name in components:
                    seen.add(name)
                    todo.append(components[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return [components[name] for name in sorted(seen)]


def name_values(schema: dict[str, Any], values: dict[str, list[str]]) -> None:
    """Give the query parameters and request-body fields named in ``values`` (a profile, a rule, a list type …) the
    values they take, in the OpenAPI schema: one value or a list of them."""
    for operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            known = values.get(parameter.get("name", ""))
            if parameter.get("in") == "query" and known is not None:
                _enumerate(parameter.get("schema", {}), known)
    for model in _request_models(schema):
        for name, prop in model.get("properties", {}).items():
            if name in values:
                _enumerate(prop, values[name])


def _enumerate(node: dict[str, Any], known: list[str]) -> None:
    for option in node.get("anyOf", []):
        _enumerate(option, known)
    if node.get("type") == "array":
        _enumerate(node.get("items", {}), known)
    elif node.get("type") == "string":
        node["enum"] = known


def constrain_text(schema: dict[str, Any]) -> None:
    """State in an OpenAPI schema what the service refuses in text (``text_problem``, api/strict.py): every
    free-text string of a path, a query or a request body gets ``TEXT_PATTERN`` (a query value
    ``QUERY_PATTERN``: not blank), and paths and queries the id length. Strings with a format, a pattern or a list
    of values keep theirs; answers are not constrained (a problem may quote the text it refuses)."""
    for operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            where = parameter.get("in")
            if where in ("path", "query"):
                _constrain(parameter.get("schema", {}), QUERY_PATTERN if where == "query" else TEXT_PATTERN, ID_MAX)
    for model in _request_models(schema):
        for prop in model.get("properties", {}).values():
            _constrain(prop, TEXT_PATTERN, None)


def _constrain(node: dict[str, Any], pattern: str, max_length: int | None) -> None:
    for option in node.get("anyOf", []):
        _constrain(option, pattern, max_length)
    if node.get("type") == "array":
        _constrain(node.get("items", {}), pattern, max_length)
    if node.get("type") != "string" or {"format", "pattern", "enum", "const"} & set(node):
        return
    node["pattern"] = pattern
    if max_length is not None:
        node["maxLength"] = min(node.get("maxLength", max_length), max_length)
