"""Validation, generation and display masking of the two identifiers that key every record.

Why this module exists
----------------------
* SUB-07: organisations (legal persons and other organisations) are identified by the 18-character
  统一社会信用代码 (unified social credit code, USCC) of GB 32100-2015. Positions 9-17 embed the
  organisation code of GB 11714-1997, which carries its own check character.
* SUB-08: natural persons are identified by the 居民身份证号码 (resident ID number) of GB 11643-1999,
  whose check character is ISO 7064 MOD 11-2.

A record keyed by a mistyped identifier silently becomes a different subject in the graph, and the
responsibility that should propagate to it is lost. Both identifiers carry check characters precisely so
that such errors can be caught at the door, so every loader runs its identifier columns through here.

Single implementation
---------------------
The batch functions (:func:`uscc_problems`, :func:`id_number_problems`) are the only place where the
rules are written down. They work on a whole column at once with numpy: the strings become a fixed-width
``uint8`` matrix, character values come from 256-entry lookup tables, the weighted sums are one matrix
product, and birth dates are checked as ``datetime64``. Reason strings are built only for the rows that
fail. The scalar functions (:func:`uscc_problem`, :func:`id_number_problem`, the ``*_check_character``
helpers and the ``make_*`` builders) call the same vectorised kernels on one row, so scalar and batch
results cannot drift apart.

Masking
-------
The resident ID number and the person's name are personal data (design.md §3, PRV-02/PRV-03): below the
authorised tier they are only shown masked. USCCs identify organisations and are public, but
:func:`mask_uscc` shortens them for narrow display tables in the same visual style.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    CodeColumn = Sequence[str | None] | pa.Array[Any] | pa.ChunkedArray[Any]

__all__ = [
    "USCC_ALPHABET",
    "id_check_character",
    "id_number_problem",
    "id_number_problems",
    "make_id_number",
    "make_uscc",
    "mask_id_number",
    "mask_name",
    "mask_uscc",
    "org_code_check_character",
    "uscc_check_character",
    "uscc_problem",
    "uscc_problems",
]

# ---------------------------------------------------------------------------------------------------
# Constants of the standards
# ---------------------------------------------------------------------------------------------------

# GB 32100-2015: digits and upper-case Latin letters without I, O, S, V, Z (too easily confused with 1, 0,
# 5, U, 2). A character's value is its index here (0-30), which is why the check modulus is 31.
USCC_ALPHABET: Final[str] = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_EXCLUDED: Final[str] = "IOSVZ"
_USCC_LENGTH: Final[int] = 18

# GB 32100-2015 position 1, 登记管理部门代码 (registration department). Position 2 (organisation category)
# is deliberately not constrained beyond the alphabet: departments keep adding categories.
_REGISTRATION_DEPARTMENTS: Final[str] = "123456789ABCDEFGNY"

# GB 32100-2015: w_i = 3^(i-1) mod 31 for i = 1..17.
_USCC_WEIGHTS: Final[npt.NDArray[np.int64]] = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)

# GB 11714-1997: weights of the 8 body characters of the organisation code (check modulus 11).
_ORG_WEIGHTS: Final[npt.NDArray[np.int64]] = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

# GB 11643-1999 (ISO 7064 MOD 11-2): w_i = 2^(18-i) mod 11 for i = 1..17.
_ID_WEIGHTS: Final[npt.NDArray[np.int64]] = np.array(
    [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64
)
_ID_LENGTH: Final[int] = 18

# First two digits of the address code: province-level divisions of GB/T 2260 (71 Taiwan, 81 Hong Kong,
# 82 Macao included because the national scheme reserves them).
_PROVINCE_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (11, 15),
    (21, 23),
    (31, 37),
    (41, 46),
    (50, 54),
    (61, 65),
    (71, 71),
    (81, 82),
)
_PROVINCE_TEXT: Final[str] = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82"

# Project policy (not part of GB 11643-1999): birth dates before this are treated as data-entry errors.
# Note the standard's own sample 440524188001010014 (born 1880) is therefore rejected on purpose.
_EARLIEST_BIRTH: Final[datetime.date] = datetime.date(1900, 1, 1)

_GB_USCC: Final[str] = "GB 32100-2015"
_GB_ORG: Final[str] = "GB 11714-1997"
_GB_ID: Final[str] = "GB 11643-1999"

# ---------------------------------------------------------------------------------------------------
# 256-entry lookup tables indexed by byte value. Non-ASCII characters are mapped to byte 0xFF before
# lookup, and 0xFF is invalid in every table.
# ---------------------------------------------------------------------------------------------------

_NON_ASCII: Final[int] = 0xFF


def _value_table(alphabet: str) -> npt.NDArray[np.int16]:
    table = np.full(256, -1, dtype=np.int16)
    for value, char in enumerate(alphabet):
        table[ord(char)] = value
    return table


def _member_table(chars: str) -> npt.NDArray[np.bool_]:
    table = np.zeros(256, dtype=np.bool_)
    for char in chars:
        table[ord(char)] = True
    return table


_DIGITS: Final[str] = "0123456789"
_LATIN: Final[str] = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# USCC character value (index in USCC_ALPHABET), -1 when the character is not allowed.
_USCC_VALUE: Final[npt.NDArray[np.int16]] = _value_table(USCC_ALPHABET)
# GB 11714-1997 value: digits 0-9, letters A=10 .. Z=35 over the full Latin alphabet.
_LATIN_VALUE: Final[npt.NDArray[np.int16]] = _value_table(_LATIN)
_DIGIT_VALUE: Final[npt.NDArray[np.int16]] = _value_table(_DIGITS)
_IS_DIGIT: Final[npt.NDArray[np.bool_]] = _member_table(_DIGITS)
_IS_DEPARTMENT: Final[npt.NDArray[np.bool_]] = _member_table(_REGISTRATION_DEPARTMENTS)

# Check character (as a byte) indexed by the weighted sum modulo the check modulus.
# GB 32100-2015: C18 = 31 - (S mod 31), with 31 written as value 0.
_USCC_CHECK_BY_REMAINDER: Final[npt.NDArray[np.uint8]] = np.array(
    [ord(USCC_ALPHABET[(31 - r) % 31]) for r in range(31)], dtype=np.uint8
)
# GB 11714-1997: C9 = 11 - (S mod 11); 10 is written 'X', 11 is written '0'.
_ORG_CHECK_BY_REMAINDER: Final[npt.NDArray[np.uint8]] = np.array(
    [ord("0" if 11 - r == 11 else "X" if 11 - r == 10 else str(11 - r)) for r in range(11)], dtype=np.uint8
)
# GB 11643-1999: C18 = (12 - (S mod 11)) mod 11; 10 is written 'X'.
_ID_CHECK_BY_REMAINDER: Final[npt.NDArray[np.uint8]] = np.array(
    [ord("X" if (12 - r) % 11 == 10 else str((12 - r) % 11)) for r in range(11)], dtype=np.uint8
)

_PROVINCE_OK: Final[npt.NDArray[np.bool_]] = np.zeros(100, dtype=np.bool_)
for _low, _high in _PROVINCE_RANGES:
    _PROVINCE_OK[_low : _high + 1] = True

_X: Final[int] = ord("X")
_LOWER_X: Final[int] = ord("x")


# ---------------------------------------------------------------------------------------------------
# Batch preparation: strings -> fixed-width uint8 matrix
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """A column of candidate identifiers prepared for the numpy kernels.

    ``rows`` are the positions (in the input) of the non-null values whose length is exactly ``width``
    characters; ``matrix`` holds their characters, one row each, non-ASCII characters as 0xFF.
    """

    size: int
    is_null: npt.NDArray[np.bool_]
    char_length: npt.NDArray[np.int64]
    rows: npt.NDArray[np.intp]
    matrix: npt.NDArray[np.uint8]
    text: Callable[[int], str]


def _as_string_array(codes: CodeColumn) -> pa.LargeStringArray:
    """Any accepted input as one large_string array (64-bit offsets, so one code path below)."""
    if isinstance(codes, pa.ChunkedArray):
        array: pa.Array[Any] = codes.combine_chunks()
    elif isinstance(codes, pa.Array):
        array = codes
    else:
        try:
            array = pa.array(codes, type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise TypeError(f"identifiers must be str or None: {exc}") from exc
    if not pa.types.is_large_string(array.type):
        # Only textual columns are cast. A numeric column is refused rather than stringified: an ID number
        # that went through an integer type has lost its leading zeros or its X, and is not an identifier.
        value_type = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
        textual = (
            pa.types.is_string(value_type)
            or pa.types.is_large_string(value_type)
            or str(value_type) == "string_view"  # pa.types.is_string_view needs pyarrow >= 16
            or pa.types.is_null(value_type)
        )
        if not textual:
            raise TypeError(f"identifiers must be a string column, got {array.type}")
        array = array.cast(pa.large_string())
    return cast("pa.LargeStringArray", array)


def _prepare(codes: CodeColumn, width: int) -> _Batch:
    array = _as_string_array(codes)
    size = len(array)
    if array.null_count:
        is_null = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    else:
        is_null = np.zeros(size, dtype=np.bool_)
    char_length = np.asarray(pc.utf8_length(array).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)

    # Raw Arrow buffers: offsets (int32 or int64) and the UTF-8 data, read without copying.
    buffers = array.buffers()
    offset_buffer = buffers[1]
    if offset_buffer is None or size == 0:
        offsets = np.zeros(size + 1, dtype=np.int64)
    else:
        offsets = np.frombuffer(memoryview(offset_buffer), dtype=np.int64)[array.offset : array.offset + size + 1]
    data_buffer = buffers[2]
    data = (
        np.frombuffer(memoryview(data_buffer), dtype=np.uint8)
        if data_buffer is not None
        else np.empty(0, dtype=np.uint8)
    )
    byte_length = np.diff(offsets)

    candidate = ~is_null & (char_length == width)
    rows = np.flatnonzero(candidate)
    # A string whose byte length equals its character length is pure ASCII.
    ascii_row = byte_length[rows] == width
    starts = offsets[:-1][rows[ascii_row]]

    if size and rows.size == size and bool((byte_length == width).all()):
        # Fast path: every value is an ASCII string of the right width, so they sit back to back.
        begin = int(offsets[0])
        matrix = data[begin : begin + width * size].reshape(size, width)
    else:
        matrix = np.empty((rows.size, width), dtype=np.uint8)
        if starts.size:
            windows = np.lib.stride_tricks.sliding_window_view(data, width)
            matrix[ascii_row] = windows[starts]
        for slot in np.flatnonzero(~ascii_row):
            value = array[int(rows[slot])].as_py()
            assert isinstance(value, str)
            matrix[slot] = [ord(c) if ord(c) < 0x80 else _NON_ASCII for c in value]

    def text(index: int) -> str:
        value = array[index].as_py()
        assert isinstance(value, str)
        return value

    return _Batch(size, is_null, char_length, rows, matrix, text)


# ---------------------------------------------------------------------------------------------------
# Numpy kernels (the one implementation of the check-character arithmetic)
# ---------------------------------------------------------------------------------------------------


def uscc_check_bytes(matrix17: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """GB 32100-2015 check byte for each row of 17 USCC characters (invalid characters count as 0)."""
    values = np.maximum(_USCC_VALUE[matrix17], 0).astype(np.int64)
    expected: npt.NDArray[np.uint8] = _USCC_CHECK_BY_REMAINDER[(values @ _USCC_WEIGHTS) % 31]
    return expected


def org_code_check_bytes(matrix8: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """GB 11714-1997 check byte for each row of 8 organisation-code body characters."""
    values = np.maximum(_LATIN_VALUE[matrix8], 0).astype(np.int64)
    expected: npt.NDArray[np.uint8] = _ORG_CHECK_BY_REMAINDER[(values @ _ORG_WEIGHTS) % 11]
    return expected


def id_check_bytes(matrix17: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """GB 11643-1999 check byte for each row of 17 ID-number digits (non-digits count as 0)."""
    values = np.maximum(_DIGIT_VALUE[matrix17], 0).astype(np.int64)
    expected: npt.NDArray[np.uint8] = _ID_CHECK_BY_REMAINDER[(values @ _ID_WEIGHTS) % 11]
    return expected


def _single_row(text: str) -> npt.NDArray[np.uint8]:
    return np.array([[ord(c) if ord(c) < 0x80 else _NON_ASCII for c in text]], dtype=np.uint8).reshape(1, len(text))


def _length_reason(length: int, expected: int) -> str:
    return f"length is {length}, expected {expected}"


# ---------------------------------------------------------------------------------------------------
# USCC (GB 32100-2015 with the embedded GB 11714-1997 organisation code)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UsccFindings:
    allowed: npt.NDArray[np.bool_]  # (k, 18) character is in USCC_ALPHABET
    department_ok: npt.NDArray[np.bool_]  # (k,)
    division_digit: npt.NDArray[np.bool_]  # (k, 6) positions 3-8 are digits
    org_expected: npt.NDArray[np.uint8]  # (k,)
    org_ok: npt.NDArray[np.bool_]
    check_expected: npt.NDArray[np.uint8]
    check_ok: npt.NDArray[np.bool_]
    valid: npt.NDArray[np.bool_]


def _uscc_kernel(matrix: npt.NDArray[np.uint8]) -> _UsccFindings:
    allowed = _USCC_VALUE[matrix] >= 0
    department_ok = _IS_DEPARTMENT[matrix[:, 0]]
    division_digit = _IS_DIGIT[matrix[:, 2:8]]
    # Positions 9-17 are a GB 11714-1997 organisation code: 8 body characters and a check character.
    org_expected = org_code_check_bytes(matrix[:, 8:16])
    org_ok = matrix[:, 16] == org_expected
    check_expected = uscc_check_bytes(matrix[:, :17])
    check_ok = matrix[:, 17] == check_expected
    valid = allowed.all(axis=1) & department_ok & division_digit.all(axis=1) & org_ok & check_ok
    return _UsccFindings(allowed, department_ok, division_digit, org_expected, org_ok, check_expected, check_ok, valid)


def _uscc_character_reason(char: str, position: int) -> str:
    if "a" <= char <= "z":
        return f"character {char!r} at position {position} is lower-case, expected upper-case letters only ({_GB_USCC})"
    if char in _USCC_EXCLUDED:
        return f"character {char!r} at position {position} is not allowed ({_GB_USCC} excludes I, O, S, V, Z)"
    return (
        f"character {char!r} at position {position} is not allowed, "
        f"expected a digit or an upper-case letter other than I, O, S, V, Z ({_GB_USCC})"
    )


def _uscc_reason(text: str, slot: int, found: _UsccFindings) -> str:
    """Reason for a failing row; checks are reported in reading order of importance, first one only."""
    if not found.allowed[slot].all():
        position = int(np.argmin(found.allowed[slot]))
        return _uscc_character_reason(text[position], position + 1)
    if not found.department_ok[slot]:
        return (
            f"registration department code {text[0]!r} at position 1 is not assigned, "
            f"expected one of 1-9, A-G, N, Y ({_GB_USCC})"
        )
    if not found.division_digit[slot].all():
        position = int(np.argmin(found.division_digit[slot])) + 3
        return (
            f"administrative division code (positions 3-8) has {text[position - 1]!r} at position "
            f"{position}, expected digits only ({_GB_USCC})"
        )
    if not found.org_ok[slot]:
        return (
            f"organisation code check character is {text[16]!r}, expected {chr(found.org_expected[slot])!r} ({_GB_ORG})"
        )
    return f"check character is {text[17]!r}, expected {chr(found.check_expected[slot])!r} ({_GB_USCC})"


def uscc_problems(codes: CodeColumn) -> list[str | None]:
    """Check a column of USCCs (SUB-07, GB 32100-2015 and GB 11714-1997).

    Returns one entry per input: ``None`` when the code is valid or the input is ``None`` (missing values
    are not this function's business), otherwise a short reason saying what is wrong and what was expected.
    Accepts a sequence of ``str | None`` or a pyarrow string array / chunked array.
    """
    batch = _prepare(codes, _USCC_LENGTH)
    result: list[str | None] = [None] * batch.size
    for wrong_length in np.flatnonzero(~batch.is_null & (batch.char_length != _USCC_LENGTH)):
        result[wrong_length] = _length_reason(int(batch.char_length[wrong_length]), _USCC_LENGTH)
    found = _uscc_kernel(batch.matrix)
    for slot in np.flatnonzero(~found.valid):
        index = int(batch.rows[slot])
        result[index] = _uscc_reason(batch.text(index), int(slot), found)
    return result


def uscc_problem(code: str) -> str | None:
    """Scalar form of :func:`uscc_problems`: ``None`` when ``code`` is a valid USCC, else the reason."""
    return uscc_problems([code])[0]


def uscc_check_character(first17: str) -> str:
    """GB 32100-2015 check character (position 18) for the first 17 characters of a USCC.

    Raises ``ValueError`` when ``first17`` is not 17 characters of :data:`USCC_ALPHABET`.
    """
    if len(first17) != 17:
        raise ValueError(_length_reason(len(first17), 17))
    for position, char in enumerate(first17, start=1):
        if char not in USCC_ALPHABET:
            raise ValueError(_uscc_character_reason(char, position))
    return chr(uscc_check_bytes(_single_row(first17))[0])


def org_code_check_character(first8: str) -> str:
    """GB 11714-1997 check character (position 9) for the 8 body characters of an organisation code.

    Body characters are digits or upper-case Latin letters (A=10 .. Z=35). Raises ``ValueError`` otherwise.
    """
    if len(first8) != 8:
        raise ValueError(_length_reason(len(first8), 8))
    for position, char in enumerate(first8, start=1):
        if char not in _LATIN:
            raise ValueError(
                f"character {char!r} at position {position} is not allowed, "
                f"expected a digit or an upper-case letter ({_GB_ORG})"
            )
    return chr(org_code_check_bytes(_single_row(first8))[0])


def make_uscc(registration_dept: str, category: str, division: str, org_body: str) -> str:
    """Build a valid USCC from its parts, computing both check characters.

    ``registration_dept``: one of 1-9, A-G, N, Y; ``category``: one alphabet character; ``division``:
    6-digit administrative division code; ``org_body``: the 8 body characters of the organisation code.
    Raises ``ValueError`` naming the bad part.
    """
    if len(registration_dept) != 1 or registration_dept not in _REGISTRATION_DEPARTMENTS:
        raise ValueError(
            f"registration department must be one of 1-9, A-G, N, Y, got {registration_dept!r} ({_GB_USCC})"
        )
    if len(category) != 1 or category not in USCC_ALPHABET:
        raise ValueError(f"category must be one character of USCC_ALPHABET, got {category!r} ({_GB_USCC})")
    if len(division) != 6 or not all(c in _DIGITS for c in division):
        raise ValueError(f"division must be 6 digits, got {division!r} ({_GB_USCC})")
    if len(org_body) != 8 or not all(c in USCC_ALPHABET for c in org_body):
        raise ValueError(f"org_body must be 8 characters of USCC_ALPHABET, got {org_body!r} ({_GB_USCC}, {_GB_ORG})")
    org_code = org_body + org_code_check_character(org_body)
    first17 = registration_dept + category + division + org_code
    code = first17 + uscc_check_character(first17)
    problem = uscc_problem(code)
    if problem is not None:  # pragma: no cover - the part checks above make this unreachable
        raise ValueError(problem)
    return code


# ---------------------------------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IdFindings:
    char_ok: npt.NDArray[np.bool_]  # (k, 18) digit, or digit/'X' at position 18
    province_ok: npt.NDArray[np.bool_]
    calendar_ok: npt.NDArray[np.bool_]
    birth: npt.NDArray[np.datetime64]  # only meaningful where calendar_ok
    not_too_early: npt.NDArray[np.bool_]
    not_future: npt.NDArray[np.bool_]
    check_expected: npt.NDArray[np.uint8]
    check_ok: npt.NDArray[np.bool_]
    valid: npt.NDArray[np.bool_]


def _id_kernel(matrix: npt.NDArray[np.uint8], today: datetime.date) -> _IdFindings:
    is_digit = _IS_DIGIT[matrix]
    char_ok = is_digit.copy()
    char_ok[:, 17] |= matrix[:, 17] == _X
    digits = np.maximum(_DIGIT_VALUE[matrix[:, :17]], 0).astype(np.int64)

    province_ok = _PROVINCE_OK[digits[:, 0] * 10 + digits[:, 1]]

    # Birth date YYYYMMDD at positions 7-14, checked as datetime64 for the whole column at once.
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    month_ok = (month >= 1) & (month <= 12)
    month_start = ((year - 1970) * 12 + np.where(month_ok, month, 1) - 1).astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    calendar_ok = month_ok & (day >= 1) & (day <= days_in_month)
    birth = first_day + np.where(calendar_ok, day - 1, 0).astype("timedelta64[D]")
    not_too_early = birth >= np.datetime64(_EARLIEST_BIRTH, "D")
    not_future = birth <= np.datetime64(today, "D")

    check_expected = id_check_bytes(matrix[:, :17])
    check_ok = matrix[:, 17] == check_expected
    valid = char_ok.all(axis=1) & province_ok & calendar_ok & not_too_early & not_future & check_ok
    return _IdFindings(
        char_ok, province_ok, calendar_ok, birth, not_too_early, not_future, check_expected, check_ok, valid
    )


def _id_reason(text: str, slot: int, found: _IdFindings, today: datetime.date) -> str:
    if not found.char_ok[slot].all():
        position = int(np.argmin(found.char_ok[slot])) + 1
        char = text[position - 1]
        if position == 18:
            if char == "x":
                return f"check character must be upper-case X, got 'x' ({_GB_ID})"
            return f"character {char!r} at position 18 is not allowed, expected a digit or X ({_GB_ID})"
        return f"character {char!r} at position {position} is not allowed, expected a digit ({_GB_ID})"
    if not found.province_ok[slot]:
        return (
            f"province code {text[:2]!r} (positions 1-2) is not a province-level division, "
            f"expected one of {_PROVINCE_TEXT} ({_GB_ID} address code)"
        )
    if not found.calendar_ok[slot]:
        return f"birth date {text[6:14]!r} (positions 7-14) is not a real calendar date ({_GB_ID})"
    birth = str(found.birth[slot])
    if not found.not_too_early[slot]:
        return (
            f"birth date {birth} (positions 7-14) is before {_EARLIEST_BIRTH.isoformat()}, "
            f"the earliest accepted ({_GB_ID})"
        )
    if not found.not_future[slot]:
        return f"birth date {birth} (positions 7-14) is after today ({today.isoformat()}) ({_GB_ID})"
    return f"check character is {text[17]!r}, expected {chr(found.check_expected[slot])!r} ({_GB_ID})"


def id_number_problems(codes: CodeColumn, today: datetime.date | None = None) -> list[str | None]:
    """Check a column of resident ID numbers (SUB-08, GB 11643-1999).

    ``None`` for valid codes and for ``None`` inputs, otherwise a short reason. Checks: length 18, digits
    (position 18 may be upper-case X), province-level address prefix, a real birth date between
    1900-01-01 and ``today`` (default: the current date), and the ISO 7064 MOD 11-2 check character.
    """
    on = datetime.date.today() if today is None else today
    batch = _prepare(codes, _ID_LENGTH)
    result: list[str | None] = [None] * batch.size
    for wrong_length in np.flatnonzero(~batch.is_null & (batch.char_length != _ID_LENGTH)):
        result[wrong_length] = _length_reason(int(batch.char_length[wrong_length]), _ID_LENGTH)
    found = _id_kernel(batch.matrix, on)
    for slot in np.flatnonzero(~found.valid):
        index = int(batch.rows[slot])
        result[index] = _id_reason(batch.text(index), int(slot), found, on)
    return result


def id_number_problem(code: str, today: datetime.date | None = None) -> str | None:
    """Scalar form of :func:`id_number_problems`."""
    return id_number_problems([code], today)[0]


def id_check_character(first17: str) -> str:
    """GB 11643-1999 check character (position 18) for the first 17 digits of a resident ID number."""
    if len(first17) != 17:
        raise ValueError(_length_reason(len(first17), 17))
    for position, char in enumerate(first17, start=1):
        if char not in _DIGITS:
            raise ValueError(f"character {char!r} at position {position} is not allowed, expected a digit ({_GB_ID})")
    return chr(id_check_bytes(_single_row(first17))[0])


def make_id_number(division: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid resident ID number: address code + YYYYMMDD + 3-digit sequence + check character.

    ``division`` is the 6-digit address code (its first two digits must be a province-level code);
    ``birth`` must lie between 1900-01-01 and today; ``sequence`` is 0..999 (odd for men, even for women
    under GB 11643-1999; not enforced). Raises ``ValueError`` naming the bad part.
    """
    if len(division) != 6 or not all(c in _DIGITS for c in division):
        raise ValueError(f"division must be 6 digits, got {division!r} ({_GB_ID})")
    if not _PROVINCE_OK[int(division[:2])]:
        raise ValueError(f"division {division!r} does not start with a province code ({_PROVINCE_TEXT})")
    if not isinstance(birth, datetime.date):
        raise ValueError(f"birth must be a datetime.date, got {birth!r}")
    if isinstance(birth, datetime.datetime):
        birth = birth.date()
    if not _EARLIEST_BIRTH <= birth <= datetime.date.today():
        raise ValueError(f"birth must lie between {_EARLIEST_BIRTH.isoformat()} and today, got {birth}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be an integer 0..999, got {sequence!r}")
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    code = first17 + id_check_character(first17)
    problem = id_number_problem(code)
    if problem is not None:  # pragma: no cover - the part checks above make this unreachable
        raise ValueError(problem)
    return code


# ---------------------------------------------------------------------------------------------------
# Display masking (PRV-02/PRV-03: personal data is shown masked below the authorised tier)
# ---------------------------------------------------------------------------------------------------


def _mask_keep(text: str, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def _mask_fallback(text: str) -> str:
    """Any other length: keep the first and last character; too short to keep anything -> all stars."""
    if len(text) <= 2:
        return "*" * len(text)
    return _mask_keep(text, 1, 1)


def mask_id_number(code: str | None) -> str | None:
    """Keep the address code (first 6) and the last 4 characters: ``110101********123X``.

    The birth date is what makes the number personal, so it is always hidden. Strings of another length
    keep only their first and last character (all stars when two characters or fewer).
    """
    if code is None:
        return None
    if len(code) == _ID_LENGTH:
        return _mask_keep(code, 6, 4)
    return _mask_fallback(code)


def mask_name(name: str | None) -> str | None:
    """Keep the first character of a person's name (usually the surname): 张伟 -> 张*, 欧阳娜娜 -> 欧***.

    A one-character name becomes ``*``; the number of stars keeps the name's length.
    """
    if name is None:
        return None
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_uscc(code: str | None) -> str | None:
    """Shorten a USCC for narrow tables: keep department, category and division (first 8) and the last 2.

    Organisations are not personal data; this is for display only. Other lengths are masked like
    :func:`mask_id_number` masks them.
    """
    if code is None:
        return None
    if len(code) == _USCC_LENGTH:
        return _mask_keep(code, 8, 2)
    return _mask_fallback(code)
