"""Tests for graphsvc.identifiers: USCC (SUB-07, GB 32100-2015 / GB 11714-1997) and resident ID numbers
(SUB-08, GB 11643-1999)."""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsvc.identifiers import (
    USCC_ALPHABET,
    id_check_character,
    id_number_problem,
    id_number_problems,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_name,
    mask_uscc,
    org_code_check_character,
    uscc_check_character,
    uscc_problem,
    uscc_problems,
)

TODAY = datetime.date(2025, 6, 1)

# ---------------------------------------------------------------------------------------------------
# Published examples, each verified by hand below.
#
# USCC alphabet values: 0-9 -> 0-9, A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20 M21 N22 P23 Q24 R25 T26
# U27 W28 X29 Y30. USCC weights (3^(i-1) mod 31): 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
# Organisation-code values (GB 11714-1997): digits as is, A=10 .. Z=35; weights 3 7 9 10 5 8 4 2.
#
# 91350100M000100Y43 -- the sample USCC printed in many explanatory articles on GB 32100-2015.
#   Org code M000100Y + 4: M=22, Y=34: 22*3 + 1*5 + 34*2 = 66 + 5 + 68 = 139; 139 mod 11 = 7;
#     11 - 7 = 4 -> '4'.
#   USCC: 9*1 + 1*3 + 3*9 + 5*27 + 1*26 + M(21)*20 + 1*8 + Y(30)*30 + 4*28
#     = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28; 31 - 28 = 3 -> '3'.
# 914403001922038216 -- Huawei Technologies Co., Ltd. (华为技术有限公司), public registration record.
#   Org code 19220382 + 1: 1*3 + 9*7 + 2*9 + 2*10 + 0*5 + 3*8 + 8*4 + 2*2 = 164; 164 mod 11 = 10;
#     11 - 10 = 1 -> '1'.
#   USCC: 9 + 1*3 + 4*9 + 4*27 + 3*26 + 1*20 + 9*29 + 2*25 + 2*13 + 3*24 + 8*10 + 2*30 + 1*28 = 831;
#     831 mod 31 = 25; 31 - 25 = 6 -> '6'.
# 911000001000013428 -- Bank of China Limited (中国银行股份有限公司), public registration record.
#   Org code 10000134 + 2: 1*3 + 1*8 + 3*4 + 4*2 = 31; 31 mod 11 = 9; 11 - 9 = 2 -> '2'.
#   USCC: 9 + 1*3 + 1*9 + 1*20 + 1*24 + 3*10 + 4*30 + 2*28 = 271; 271 mod 31 = 23; 31 - 23 = 8 -> '8'.
#
# ID weights (GB 11643-1999): 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = (12 - S mod 11) mod 11, 10 -> X.
# 11010519491231002X -- the GB 11643-1999 sample (Beijing Chaoyang, born 1949-12-31, sequence 002).
#   S = 1*7 + 1*9 + 1*5 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 2*2 = 167;
#   167 mod 11 = 2; 12 - 2 = 10 -> 'X'.
# 440524188001010014 -- the other GB 11643-1999 sample (born 1880-01-01).
#   S = 4*7 + 4*9 + 5*5 + 2*8 + 4*4 + 1*2 + 8*1 + 8*6 + 1*9 + 1*5 + 1*2 = 195; 195 mod 11 = 8;
#   12 - 8 = 4 -> '4'. Its check character is right, but the project rejects birth dates before
#   1900-01-01 (a policy, not part of the standard), so it must fail for the date reason only.
# ---------------------------------------------------------------------------------------------------

PUBLISHED_USCCS = ["91350100M000100Y43", "914403001922038216", "911000001000013428"]
PUBLISHED_ID = "11010519491231002X"
PUBLISHED_ID_1880 = "440524188001010014"

MADE_USCCS = [
    make_uscc("9", "1", "110108", "MA01ABCD"),
    make_uscc("5", "2", "320100", "50000000"),
    make_uscc("1", "2", "440300", "00000000"),
    make_uscc("Y", "Y", "650000", "YYYYYYYY"),
    make_uscc("N", "A", "370200", "12345678"),
]
MADE_IDS = [
    make_id_number("110101", datetime.date(1990, 3, 7), 423),
    make_id_number("320102", datetime.date(2000, 2, 29), 0),
    make_id_number("650102", datetime.date(1900, 1, 1), 999),
    make_id_number("820000", datetime.date(1975, 12, 31), 51),
]
GOOD_USCCS = PUBLISHED_USCCS + MADE_USCCS
GOOD_IDS = [PUBLISHED_ID, *MADE_IDS]

PROVINCES = [
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
]


# ---------------------------------------------------------------------------------------------------
# Known-good codes
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", GOOD_USCCS)
def test_known_good_uscc_is_valid(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_character(code[:17]) == code[17]
    assert org_code_check_character(code[8:16]) == code[16]


def test_published_check_characters_match_hand_computation() -> None:
    assert org_code_check_character("M000100Y") == "4"
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert org_code_check_character("19220382") == "1"
    assert uscc_check_character("91440300192203821") == "6"
    assert org_code_check_character("10000134") == "2"
    assert uscc_check_character("91100000100001342") == "8"
    assert id_check_character("11010519491231002") == "X"
    assert id_check_character("44052418800101001") == "4"


@pytest.mark.parametrize("code", GOOD_IDS)
def test_known_good_id_is_valid(code: str) -> None:
    assert id_number_problem(code, today=TODAY) is None
    assert id_check_character(code[:17]) == code[17]


def test_standard_sample_born_1880_fails_only_on_the_1900_policy() -> None:
    reason = id_number_problem(PUBLISHED_ID_1880, today=TODAY)
    assert reason is not None
    assert reason.startswith("birth date 1880-01-01 (positions 7-14) is before 1900-01-01")
    assert "GB 11643-1999" in reason


def test_check_character_edge_values() -> None:
    # Org code: sum 0 -> remainder 0 -> C9 = 11 -> '0'.
    assert org_code_check_character("00000000") == "0"
    # 4*3 = 12 -> remainder 1 -> C9 = 10 -> 'X'.
    assert org_code_check_character("40000000") == "X"
    # USCC remainder 0 -> C18 = 31 -> value 0 -> '0'.
    assert uscc_check_character("0" * 17) == "0"
    # ID remainder 2 -> 10 -> 'X'; remainder 0 -> 12 mod 11 = 1.
    assert id_check_character("0" * 17) == "1"
    assert id_check_character("10000000000000000") == "5"  # 7 mod 11 = 7; 12 - 7 = 5


def test_org_code_letters_use_full_latin_values() -> None:
    # 'Y' is 34 in GB 11714-1997 (A=10 .. Z=35), not 30 as in the USCC alphabet.
    # Y*3 = 102; 102 mod 11 = 3; 11 - 3 = 8.
    assert org_code_check_character("Y0000000") == "8"
    # Letters excluded from USCCs are still valid organisation-code body characters.
    # I = 18: 18*3 = 54; 54 mod 11 = 10; 11 - 10 = 1.
    assert org_code_check_character("I0000000") == "1"


# ---------------------------------------------------------------------------------------------------
# Exhaustive single-character corruptions
# ---------------------------------------------------------------------------------------------------


def _corruptions(code: str, alphabet: str) -> list[str]:
    return [
        code[:position] + char + code[position + 1 :]
        for position in range(len(code))
        for char in alphabet
        if char != code[position]
    ]


@pytest.mark.parametrize("code", GOOD_USCCS)
def test_every_single_character_uscc_corruption_is_rejected(code: str) -> None:
    corrupted = _corruptions(code, USCC_ALPHABET)
    assert len(corrupted) == 18 * 30
    problems = uscc_problems(corrupted)
    rejected = [c for c, p in zip(corrupted, problems, strict=True) if p is not None]
    assert rejected == corrupted
    # A corruption of position 18 alone can only be the USCC check character.
    for corrupt, problem in zip(corrupted, problems, strict=True):
        if corrupt[:17] == code[:17]:
            assert problem == f"check character is {corrupt[17]!r}, expected {code[17]!r} (GB 32100-2015)"


@pytest.mark.parametrize("code", GOOD_IDS)
def test_every_single_character_id_corruption_is_rejected(code: str) -> None:
    corrupted = _corruptions(code, "0123456789X")
    assert len(corrupted) == 18 * 10
    problems = id_number_problems(corrupted, today=TODAY)
    assert all(problem is not None for problem in problems)
    for corrupt, problem in zip(corrupted, problems, strict=True):
        assert problem is not None
        if corrupt[:17] == code[:17]:
            assert problem == f"check character is {corrupt[17]!r}, expected {code[17]!r} (GB 11643-1999)"


# ---------------------------------------------------------------------------------------------------
# USCC reasons
# ---------------------------------------------------------------------------------------------------

GOOD = PUBLISHED_USCCS[0]  # 91350100M000100Y43


def _with(code: str, position: int, char: str) -> str:
    return code[: position - 1] + char + code[position:]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (GOOD[:17], "length is 17, expected 18"),
        (GOOD + "0", "length is 19, expected 18"),
        ("", "length is 0, expected 18"),
        (
            _with(GOOD, 5, "I"),
            "character 'I' at position 5 is not allowed (GB 32100-2015 excludes I, O, S, V, Z)",
        ),
        (
            _with(GOOD, 12, "O"),
            "character 'O' at position 12 is not allowed (GB 32100-2015 excludes I, O, S, V, Z)",
        ),
        (
            _with(GOOD, 3, "-"),
            "character '-' at position 3 is not allowed, expected a digit or an upper-case letter "
            "other than I, O, S, V, Z (GB 32100-2015)",
        ),
        (
            _with(GOOD, 9, "m"),
            "character 'm' at position 9 is lower-case, expected upper-case letters only (GB 32100-2015)",
        ),
        (
            _with(GOOD, 4, "中"),
            "character '中' at position 4 is not allowed, expected a digit or an upper-case letter "
            "other than I, O, S, V, Z (GB 32100-2015)",
        ),
        (
            _with(GOOD, 1, "H"),
            "registration department code 'H' at position 1 is not assigned, "
            "expected one of 1-9, A-G, N, Y (GB 32100-2015)",
        ),
        (
            _with(GOOD, 1, "0"),
            "registration department code '0' at position 1 is not assigned, "
            "expected one of 1-9, A-G, N, Y (GB 32100-2015)",
        ),
        (
            _with(GOOD, 6, "A"),
            "administrative division code (positions 3-8) has 'A' at position 6, expected digits only (GB 32100-2015)",
        ),
        (_with(GOOD, 17, "5"), "organisation code check character is '5', expected '4' (GB 11714-1997)"),
        (_with(GOOD, 18, "Q"), "check character is 'Q', expected '3' (GB 32100-2015)"),
    ],
)
def test_uscc_reasons(code: str, reason: str) -> None:
    assert uscc_problem(code) == reason


def test_uscc_org_code_x_check_character() -> None:
    # Body "40000000": 4*3 = 12, 12 mod 11 = 1 -> C9 = 10 -> 'X'.
    code = make_uscc("9", "1", "110000", "40000000")
    assert code[16] == "X"
    assert uscc_problem(code) is None
    wrong = code[:16] + "1" + uscc_check_character(code[:16] + "1")  # USCC check recomputed, org check wrong
    assert uscc_problem(wrong) == "organisation code check character is '1', expected 'X' (GB 11714-1997)"


def test_uscc_first_problem_wins() -> None:
    # Both a bad character and a bad check character: the character is reported.
    code = _with(_with(GOOD, 5, "Z"), 18, "0")
    assert uscc_problem(code) == ("character 'Z' at position 5 is not allowed (GB 32100-2015 excludes I, O, S, V, Z)")


def test_uscc_category_is_not_constrained() -> None:
    for category in USCC_ALPHABET:
        assert uscc_problem(make_uscc("9", category, "110000", "MA000000")) is None


@pytest.mark.parametrize("department", list("123456789ABCDEFGNY"))
def test_uscc_registration_departments(department: str) -> None:
    assert uscc_problem(make_uscc(department, "1", "110000", "00000001")) is None


# ---------------------------------------------------------------------------------------------------
# ID number reasons
# ---------------------------------------------------------------------------------------------------


def _id(division: str, birth: str, sequence: str) -> str:
    first17 = division + birth + sequence
    return first17 + id_check_character(first17)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (PUBLISHED_ID[:17], "length is 17, expected 18"),
        (PUBLISHED_ID + "1", "length is 19, expected 18"),
        (PUBLISHED_ID[:15], "length is 15, expected 18"),
        ("11010519491231002x", "check character must be upper-case X, got 'x' (GB 11643-1999)"),
        (
            "1101051949123100AX",
            "character 'A' at position 17 is not allowed, expected a digit (GB 11643-1999)",
        ),
        (
            "X10105194912310021",
            "character 'X' at position 1 is not allowed, expected a digit (GB 11643-1999)",
        ),
        (
            "11010519491231002Y",
            "character 'Y' at position 18 is not allowed, expected a digit or X (GB 11643-1999)",
        ),
        (
            " 1010519491231002X",
            "character ' ' at position 1 is not allowed, expected a digit (GB 11643-1999)",
        ),
        (
            _id("990105", "19491231", "002"),
            "province code '99' (positions 1-2) is not a province-level division, expected one of "
            "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82 (GB 11643-1999 address code)",
        ),
        (
            _id("160105", "19491231", "002"),
            "province code '16' (positions 1-2) is not a province-level division, expected one of "
            "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82 (GB 11643-1999 address code)",
        ),
        (
            _id("110105", "19990230", "002"),
            "birth date '19990230' (positions 7-14) is not a real calendar date (GB 11643-1999)",
        ),
        (
            _id("110105", "19991301", "002"),
            "birth date '19991301' (positions 7-14) is not a real calendar date (GB 11643-1999)",
        ),
        (
            _id("110105", "19990001", "002"),
            "birth date '19990001' (positions 7-14) is not a real calendar date (GB 11643-1999)",
        ),
        (
            _id("110105", "19990100", "002"),
            "birth date '19990100' (positions 7-14) is not a real calendar date (GB 11643-1999)",
        ),
        (
            _id("110105", "19000229", "002"),
            "birth date '19000229' (positions 7-14) is not a real calendar date (GB 11643-1999)",
        ),
        (
            _id("110105", "18991231", "002"),
            "birth date 1899-12-31 (positions 7-14) is before 1900-01-01, the earliest accepted (GB 11643-1999)",
        ),
        (
            _id("110105", "20250602", "002"),
            "birth date 2025-06-02 (positions 7-14) is after today (2025-06-01) (GB 11643-1999)",
        ),
        ("11010519491231003X", "check character is 'X', expected '8' (GB 11643-1999)"),
        ("110105194912310021", "check character is '1', expected 'X' (GB 11643-1999)"),
    ],
)
def test_id_reasons(code: str, reason: str) -> None:
    assert id_number_problem(code, today=TODAY) == reason


@pytest.mark.parametrize("province", PROVINCES)
def test_every_province_code_is_accepted(province: int) -> None:
    assert id_number_problem(_id(f"{province:02d}0101", "19800101", "001"), today=TODAY) is None


@pytest.mark.parametrize("province", sorted(set(range(100)) - set(PROVINCES)))
def test_every_other_province_code_is_rejected(province: int) -> None:
    reason = id_number_problem(_id(f"{province:02d}0101", "19800101", "001"), today=TODAY)
    assert reason is not None
    assert reason.startswith(f"province code '{province:02d}'")


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        ("19000101", True),
        ("20000229", True),  # divisible by 400: leap
        ("19960229", True),
        ("19970229", False),
        ("19000229", False),  # divisible by 100, not 400: not leap
        ("19990431", False),
        ("19991231", True),
        ("20250601", True),  # today itself
    ],
)
def test_birth_date_calendar(birth: str, valid: bool) -> None:
    assert (id_number_problem(_id("110105", birth, "001"), today=TODAY) is None) is valid


def test_today_defaults_to_the_current_date() -> None:
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    assert id_number_problem(_id("110105", f"{today:%Y%m%d}", "001")) is None
    assert id_number_problem(_id("110105", f"{tomorrow:%Y%m%d}", "001")) is not None


# ---------------------------------------------------------------------------------------------------
# Vectorised input handling
# ---------------------------------------------------------------------------------------------------


def test_none_passes_through() -> None:
    assert uscc_problems([None, GOOD, None, "x"]) == [None, None, None, "length is 1, expected 18"]
    assert id_number_problems([None], today=TODAY) == [None]
    assert uscc_problems([]) == []
    assert id_number_problems([], today=TODAY) == []
    assert uscc_problems([None, None]) == [None, None]


def test_arrow_inputs_agree_with_lists() -> None:
    values: list[str | None] = [GOOD, None, GOOD[:17], _with(GOOD, 18, "0"), "91350100M000100Y4中", *MADE_USCCS]
    expected = uscc_problems(values)
    assert expected[0] is None and expected[1] is None and expected[2] is not None
    assert uscc_problems(pa.array(values, type=pa.string())) == expected
    assert uscc_problems(pa.array(values, type=pa.large_string())) == expected
    assert uscc_problems(pa.array(values, type=pa.string_view())) == expected
    assert uscc_problems(pa.array(values).dictionary_encode()) == expected
    assert uscc_problems(pa.chunked_array([values[:3], values[3:]], type=pa.string())) == expected
    # Sliced arrays have a non-zero offset into their buffers.
    assert uscc_problems(pa.array(["junk", *values], type=pa.string()).slice(1)) == expected
    assert uscc_problems(pa.array([None, None], type=pa.string())) == [None, None]
    assert uscc_problems(pa.chunked_array([], type=pa.string())) == []
    # Sliced, and every value an 18-character ASCII string (the zero-copy reshape path).
    sliced = pa.array(["junk", *GOOD_USCCS, _with(GOOD, 18, "0"), "tail"], type=pa.string()).slice(1, 9)
    assert uscc_problems(sliced) == [None] * 8 + ["check character is '0', expected '3' (GB 32100-2015)"]
    assert uscc_problems(pa.nulls(3)) == [None, None, None]


def test_fast_path_and_general_path_agree() -> None:
    all_ascii_18 = [*GOOD_USCCS, _with(GOOD, 18, "0")]
    mixed = [*all_ascii_18, None]
    assert uscc_problems(all_ascii_18) == uscc_problems(mixed)[:-1]
    ids = [*GOOD_IDS, "11010519491231002x"]
    assert id_number_problems(ids, today=TODAY) == id_number_problems([*ids, "1"], today=TODAY)[:-1]


def test_non_ascii_eighteen_character_strings() -> None:
    # Six Chinese characters are 18 bytes of UTF-8 but only 6 characters.
    assert uscc_problem("统一社会信用") == "length is 6, expected 18"
    assert id_number_problem("１１010519491231002X", today=TODAY) == (
        "character '１' at position 1 is not allowed, expected a digit (GB 11643-1999)"
    )


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        uscc_problems([12345])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        uscc_problems(pa.array([1, 2, 3]))


# ---------------------------------------------------------------------------------------------------
# Property tests: scalar and vectorised agree, make_* round-trips
# ---------------------------------------------------------------------------------------------------

uscc_parts = st.tuples(
    st.sampled_from("123456789ABCDEFGNY"),
    st.sampled_from(USCC_ALPHABET),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
valid_usccs = uscc_parts.map(lambda parts: make_uscc(*parts))

id_parts = st.tuples(
    st.sampled_from(PROVINCES).map(lambda p: f"{p:02d}"),
    st.text(alphabet=string.digits, min_size=4, max_size=4),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()),
    st.integers(min_value=0, max_value=999),
)
valid_ids = id_parts.map(lambda p: make_id_number(p[0] + p[1], p[2], p[3]))

noisy_chars = USCC_ALPHABET + "IOSVZxX-中 ab"


def _mutate(code: str) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(code) - 1), st.sampled_from(noisy_chars)).map(
        lambda m: code[: m[0]] + m[1] + code[m[0] + 1 :]
    )


uscc_like = st.one_of(
    st.text(alphabet=noisy_chars, max_size=20),
    st.text(alphabet=noisy_chars, min_size=18, max_size=18),
    valid_usccs,
    valid_usccs.flatmap(_mutate),
    st.none(),
)
id_like = st.one_of(
    st.text(alphabet="0123456789Xx-中", max_size=20),
    st.text(alphabet="0123456789X", min_size=18, max_size=18),
    valid_ids,
    valid_ids.flatmap(_mutate),
    st.none(),
)


@given(st.lists(uscc_like, max_size=30))
def test_uscc_scalar_and_vectorised_agree(codes: list[str | None]) -> None:
    batch = uscc_problems(codes)
    assert batch == [None if c is None else uscc_problem(c) for c in codes]
    assert uscc_problems(pa.array(codes, type=pa.string())) == batch


@given(st.lists(id_like, max_size=30))
def test_id_scalar_and_vectorised_agree(codes: list[str | None]) -> None:
    batch = id_number_problems(codes, today=TODAY)
    assert batch == [None if c is None else id_number_problem(c, today=TODAY) for c in codes]
    assert id_number_problems(pa.array(codes, type=pa.large_string()), today=TODAY) == batch


@given(uscc_parts)
def test_make_uscc_round_trip(parts: tuple[str, str, str, str]) -> None:
    code = make_uscc(*parts)
    assert len(code) == 18
    assert code[:16] == "".join(parts)
    assert uscc_problem(code) is None


@given(id_parts)
def test_make_id_number_round_trip(parts: tuple[str, str, datetime.date, int]) -> None:
    province, rest, birth, sequence = parts
    code = make_id_number(province + rest, birth, sequence)
    assert code[:17] == f"{province}{rest}{birth:%Y%m%d}{sequence:03d}"
    assert id_number_problem(code) is None


@settings(max_examples=50)
@given(st.lists(valid_usccs, min_size=1, max_size=50), st.lists(valid_ids, min_size=1, max_size=50))
def test_valid_batches_are_all_valid(usccs: list[str], ids: list[str]) -> None:
    assert uscc_problems(usccs) == [None] * len(usccs)
    assert id_number_problems(ids) == [None] * len(ids)


# ---------------------------------------------------------------------------------------------------
# Builders and check-character helpers reject bad parts
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("H", "1", "110000", "00000000"), "registration department"),
        (("91", "1", "110000", "00000000"), "registration department"),
        (("9", "I", "110000", "00000000"), "category"),
        (("9", "", "110000", "00000000"), "category"),
        (("9", "1", "11000A", "00000000"), "division"),
        (("9", "1", "11000", "00000000"), "division"),
        (("9", "1", "110000", "0000000"), "org_body"),
        (("9", "1", "110000", "0000000O"), "org_body"),
    ],
)
def test_make_uscc_rejects_bad_parts(parts: tuple[str, str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_uscc(*parts)


@pytest.mark.parametrize(
    ("division", "birth", "sequence", "message"),
    [
        ("11010", datetime.date(1990, 1, 1), 1, "division"),
        ("11010A", datetime.date(1990, 1, 1), 1, "division"),
        ("990101", datetime.date(1990, 1, 1), 1, "province"),
        ("110101", datetime.date(1899, 12, 31), 1, "birth"),
        ("110101", datetime.date(1990, 1, 1), 1000, "sequence"),
        ("110101", datetime.date(1990, 1, 1), -1, "sequence"),
    ],
)
def test_make_id_number_rejects_bad_parts(division: str, birth: datetime.date, sequence: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_id_number(division, birth, sequence)


def test_make_id_number_rejects_a_birth_after_today() -> None:
    # Tomorrow is taken when the test runs, not when it is collected: a run that crosses midnight stays right.
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValueError, match="birth"):
        make_id_number("110101", tomorrow, 1)


@pytest.mark.parametrize(
    ("function", "argument"),
    [
        (uscc_check_character, "9135010"),
        (uscc_check_character, "91350100M000100YI"),
        (org_code_check_character, "M000100"),
        (org_code_check_character, "m000100Y"),
        (id_check_character, "1101051949123100"),
        (id_check_character, "1101051949123100X"),
    ],
)
def test_check_character_helpers_reject_bad_input(function: Callable[[str], str], argument: str) -> None:
    with pytest.raises(ValueError):
        function(argument)


# ---------------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("11010119900307123X", "110101********123X"),
        (PUBLISHED_ID, "110105********002X"),
        (None, None),
        ("1234567", "1*****7"),
        ("123", "1*3"),
        ("12", "**"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_id_number(code: str | None, masked: str | None) -> None:
    assert mask_id_number(code) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李", "*"),
        ("买买提·艾力", "买*****"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_name(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("91110108MA01ABCD0X", "91110108********0X"),
        (GOOD, "91350100********43"),
        (None, None),
        ("9135", "9**5"),
    ],
)
def test_mask_uscc(code: str | None, masked: str | None) -> None:
    assert mask_uscc(code) == masked


@given(valid_ids)
def test_masked_id_hides_the_birth_date(code: str) -> None:
    masked = mask_id_number(code)
    assert masked is not None
    assert len(masked) == 18
    assert masked[6:14] == "********"
    assert masked[:6] == code[:6] and masked[14:] == code[14:]
