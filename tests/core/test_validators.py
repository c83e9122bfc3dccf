"""Tests for smartunion.core.validators (no database, no Django settings)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from smartunion.core.validators import (
    CREDIT_CODE_CHARSET,
    PROVINCE_PREFIXES,
    RESIDENCE_PERMIT_PREFIXES,
    credit_code_check_char,
    id_number_birth_date,
    id_number_check_digit,
    id_number_sex,
    is_residence_permit,
    make_credit_code,
    make_id_number,
    normalize_credit_code,
    normalize_fullwidth,
    normalize_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

FIXED_TODAY = dt.date(2025, 12, 31)


def assert_invalid(func, value, message, code, **kwargs):
    with pytest.raises(ValidationError) as excinfo:
        func(value, **kwargs)
    assert excinfo.value.messages == [message]
    assert excinfo.value.code == code


# ---------------------------------------------------------------------------
# normalize_fullwidth
# ---------------------------------------------------------------------------


def test_normalize_fullwidth_basic():
    assert normalize_fullwidth("１２３ＡＢＣｘｙｚ") == "123ABCxyz"
    assert normalize_fullwidth("＋８６\u3000１３８") == "+86 138"
    assert normalize_fullwidth("！～") == "!~"
    # The full-width comma U+FF0C is in the block and becomes ",".
    assert normalize_fullwidth("工会\uff0c中文") == "工会,中文"
    # Characters outside the block (CJK, ideographic full stop U+3002) are untouched.
    assert normalize_fullwidth("工会。") == "工会。"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_normalize_fullwidth_round_trip(text):
    widened = "".join(chr(ord(ch) + 0xFEE0) for ch in text)
    assert normalize_fullwidth(widened) == text
    assert normalize_fullwidth(text) == text


# ---------------------------------------------------------------------------
# GB 11643-1999 identity number: published / verified examples
# ---------------------------------------------------------------------------


def test_id_standard_example_is_valid():
    # Example from GB 11643-1999 itself (Beijing Chaoyang, 1949-12-31, female).
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert id_number_check_digit("11010519491231002") == "X"
    assert id_number_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_number_sex("11010519491231002X") == "2"


def test_id_lowercase_x_is_normalised():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_id_whitespace_and_fullwidth_are_normalised():
    assert normalize_id_number(" １１０１０５\u3000１９４９１２３１ ００２ｘ ") == "11010519491231002X"
    assert validate_id_number("\u3000１１０１０５１９４９１２３１００２Ｘ\t") == "11010519491231002X"


def test_id_other_verified_example_is_valid():
    # Commonly used test number; check digit verified: weighted sum mod 11 -> "X".
    assert validate_id_number("11010119900307803X") == "11010119900307803X"
    assert id_number_birth_date("11010119900307803X") == dt.date(1990, 3, 7)
    assert id_number_sex("11010119900307803X") == "1"  # 17th digit 3 is odd


def test_id_wrong_check_digit():
    assert_invalid(validate_id_number, "110105194912310021", "身份证号码校验位错误", "check_digit")
    # Last sequence digit changed (002 -> 003); correct check digit would be 8.
    assert id_number_check_digit("11010519491231003") == "8"
    assert validate_id_number("110105194912310038") == "110105194912310038"
    assert_invalid(validate_id_number, "11010519491231003X", "身份证号码校验位错误", "check_digit")


def test_id_1880_example_has_correct_check_digit_but_predates_1900():
    # The widely cited 440524188001010014 has a correct check digit ("4"),
    # but its birth date 1880-01-01 is before the 1900-01-01 lower bound.
    assert id_number_check_digit("44052418800101001") == "4"
    assert id_number_birth_date("440524188001010014") == dt.date(1880, 1, 1)
    assert id_number_sex("440524188001010014") == "1"
    assert_invalid(validate_id_number, "440524188001010014", "身份证号码中的出生日期无效", "birth_date")


def test_id_birth_date_bounds():
    # 1900-01-01 is the earliest accepted date; check digits computed and verified.
    assert validate_id_number("110105190001010028") == "110105190001010028"
    assert_invalid(validate_id_number, "110105189912310023", "身份证号码中的出生日期无效", "birth_date")


def test_id_required():
    for empty in ("", "   ", "\u3000", None):
        assert_invalid(validate_id_number, empty, "请填写身份证号码", "required")


def test_id_length():
    assert_invalid(validate_id_number, "11010519491231002", "身份证号码应为18位", "length")
    assert_invalid(validate_id_number, "11010519491231002X1", "身份证号码应为18位", "length")
    # First-generation 15-digit numbers are not accepted.
    assert_invalid(validate_id_number, "110105491231002", "身份证号码应为18位", "length")


def test_id_format():
    msg = "身份证号码只能包含数字，最后一位可以是X"
    assert_invalid(validate_id_number, "1101051949A231002X", msg, "format")
    assert_invalid(validate_id_number, "11010519491231002Y", msg, "format")
    assert_invalid(validate_id_number, "X10105194912310021", msg, "format")
    # A lower-case x elsewhere than the end is not upper-cased.
    assert_invalid(validate_id_number, "1101051949x231002X", msg, "format")
    # Non-ASCII digits are not accepted as digits.
    assert_invalid(validate_id_number, "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", msg, "format")


def test_id_region():
    # Check digit is correct for this number, only the prefix 99 is wrong.
    assert id_number_check_digit("99010519491231002") == "3"
    assert_invalid(validate_id_number, "990105194912310023", "身份证号码的地区码无效", "region")
    assert_invalid(validate_id_number, "000105194912310023", "身份证号码的地区码无效", "region")


def test_id_impossible_date():
    # 1999-02-30 does not exist; check digit "3" is correct for the first 17.
    assert id_number_check_digit("11010519990230002") == "3"
    assert_invalid(validate_id_number, "110105199902300023", "身份证号码中的出生日期无效", "birth_date")
    with pytest.raises(ValidationError) as excinfo:
        id_number_birth_date("110105199902300023")
    assert excinfo.value.code == "birth_date"


def test_id_future_date():
    msg = "身份证号码中的出生日期无效"
    # Born 2024-01-02; valid check digit "8".
    assert_invalid(validate_id_number, "110105202401020028", msg, "birth_date", today=dt.date(2024, 1, 1))
    assert validate_id_number("110105202401020028", today=dt.date(2024, 1, 2)) == "110105202401020028"
    # datetime is accepted for ``today`` as well.
    morning = dt.datetime(2024, 1, 2, 8, 0)
    assert validate_id_number("110105202401020028", today=morning) == "110105202401020028"
    # Default ``today`` is the real current date: 2999-01-01 is in the future.
    assert_invalid(validate_id_number, "110105299901010022", msg, "birth_date")


def test_id_check_order_region_before_check_digit():
    # Both region and check digit wrong -> region is reported.
    assert_invalid(validate_id_number, "990105194912310021", "身份证号码的地区码无效", "region")


def test_id_sex():
    assert id_number_sex(make_id_number("110105", dt.date(1980, 5, 6), 1)) == "1"
    assert id_number_sex(make_id_number("110105", dt.date(1980, 5, 6), 2)) == "2"
    assert id_number_sex(make_id_number("110105", dt.date(1980, 5, 6), 0)) == "2"
    assert id_number_sex(make_id_number("110105", dt.date(1980, 5, 6), 999)) == "1"


def test_make_id_number_reproduces_standard_example():
    assert make_id_number("110105", dt.date(1949, 12, 31), 2) == "11010519491231002X"
    # A 2-digit prefix is padded with "0000".
    assert make_id_number("11", dt.date(1949, 12, 31), 2)[:6] == "110000"


@pytest.mark.parametrize(
    "region, sequence",
    [
        ("99", 1),
        ("1101", 1),
        ("11010a", 1),
        ("110105", -1),
        ("110105", 1000),
        ("110105", True),
        ("110105", "1"),
    ],
)
def test_make_id_number_rejects_bad_arguments(region, sequence):
    with pytest.raises(ValueError):
        make_id_number(region, dt.date(1990, 1, 1), sequence)


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310021", "1101051949123100A"])
def test_id_number_check_digit_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        id_number_check_digit(bad)


def test_province_prefixes():
    assert len(PROVINCE_PREFIXES) == 35
    assert {"11", "37", "44", "65", "71", "81", "82", "83"} <= PROVINCE_PREFIXES
    assert "99" not in PROVINCE_PREFIXES


# Residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证)


@pytest.mark.parametrize(("first17", "check"), [
    ("81000019900101001", "9"),  # Hong Kong resident, male
    ("82000019851231002", "9"),  # Macao resident, female
    ("83000020000229003", "1"),  # Taiwan resident, male, born on a leap day
])
def test_residence_permits_are_accepted_with_sex_and_birth_date(first17, check):
    number = first17 + check
    assert id_number_check_digit(first17) == check

    assert validate_id_number(number, today=FIXED_TODAY) == number
    assert is_residence_permit(number)
    assert id_number_birth_date(number) == dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    assert id_number_sex(number) == ("1" if int(first17[16]) % 2 else "2")


def test_residence_permit_prefixes():
    assert RESIDENCE_PERMIT_PREFIXES == {"810000": "香港", "820000": "澳门", "830000": "台湾"}
    assert make_id_number("83", dt.date(1990, 1, 1), 5) == "830000199001010055"
    assert not is_residence_permit("11010519491231002X")


@pytest.mark.parametrize("first17", ["81010219900101001", "82000119900101001", "83100019900101001"])
def test_other_codes_under_81_82_83_are_refused(first17):
    # No identity card or permit is issued with any other address code under these prefixes.
    number = first17 + id_number_check_digit(first17)
    assert_invalid(validate_id_number, number, "身份证号码的地区码无效", "region", today=FIXED_TODAY)
    with pytest.raises(ValueError):
        make_id_number(first17[:6], dt.date(1990, 1, 1), 1)


# Abolished county codes stay valid: a number keeps the code of the place that issued it.


@pytest.mark.parametrize(("county", "history"), [
    ("370181", "章丘市, a district of Jinan (370114) since 2016"),
    ("320107", "南京市下关区, merged into 鼓楼区 in 2013"),
    ("110103", "北京市崇文区, merged into 东城区 in 2010"),
    ("310103", "上海市卢湾区, merged into 黄浦区 in 2011"),
])
def test_number_from_an_abolished_county_is_valid(county, history):
    number = make_id_number(county, dt.date(1985, 6, 15), 31)
    assert number.startswith(county)

    assert validate_id_number(number, today=FIXED_TODAY) == number, history
    assert id_number_sex(number) == "1"
    assert id_number_birth_date(number) == dt.date(1985, 6, 15)


def test_abolished_county_codes_are_not_in_the_current_region_table():
    # The validator does not consult the region table: the four counties above are gone from it.
    from smartunion.core.codes import get_table

    current = {entry["code"] for entry in get_table("regions")["entries"]}
    assert {"370181", "320107", "110103", "310103"}.isdisjoint(current)
    assert "370114" in current


# ---------------------------------------------------------------------------
# GB 11643-1999 identity number: properties
# ---------------------------------------------------------------------------

regions = st.sampled_from(sorted(PROVINCE_PREFIXES))
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(regions, birth_dates, sequences)
def test_make_id_number_round_trip(region, birth, sequence):
    number = make_id_number(region, birth, sequence)
    assert len(number) == 18
    assert validate_id_number(number, today=FIXED_TODAY) == number
    assert validate_id_number(number.lower(), today=FIXED_TODAY) == number
    assert id_number_birth_date(number) == birth
    assert id_number_sex(number) == ("1" if sequence % 2 else "2")


@given(regions, birth_dates, sequences, st.sampled_from("0123456789X"))
def test_any_other_check_digit_fails(region, birth, sequence, replacement):
    number = make_id_number(region, birth, sequence)
    if replacement == number[-1]:
        return
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(number[:-1] + replacement, today=FIXED_TODAY)
    assert excinfo.value.code == "check_digit"
    assert excinfo.value.messages == ["身份证号码校验位错误"]


# ---------------------------------------------------------------------------
# GB 32100-2015 unified social credit code
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # widely cited example; check char "3" verified
        "91110108551385082Q",  # widely cited example; check char "Q" verified
    ],
)
def test_credit_code_published_examples(code):
    assert validate_credit_code(code) == code
    assert credit_code_check_char(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code


def test_credit_code_normalisation():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("９１１１０１０８５５１３８５０８２ｑ") == "91110108551385082Q"
    assert normalize_credit_code("9135\u30000100m000100y43") == "91350100M000100Y43"


def test_credit_code_required():
    for empty in ("", "  ", "\u3000", None):
        assert_invalid(validate_credit_code, empty, "请填写统一社会信用代码", "required")


def test_credit_code_length():
    msg = "统一社会信用代码应为18位"
    assert_invalid(validate_credit_code, "91350100M000100Y4", msg, "length")
    assert_invalid(validate_credit_code, "91350100M000100Y431", msg, "length")


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100I43",  # I
        "91350100M000100O43",  # O
        "91350100M000100Z43",  # Z
        "91350100M000100S43",  # S
        "91350100M000100V43",  # V
        "91350100M000100-43",
        "91350100M000100中43",
    ],
)
def test_credit_code_invalid_charset(code):
    assert_invalid(
        validate_credit_code, code, "统一社会信用代码含有无效字符（不使用I、O、Z、S、V）", "charset"
    )


def test_credit_code_invalid_division():
    # Check char "2" is correct for these 17 characters; only the "A" in the
    # administrative division code (characters 3-8) is wrong.
    assert credit_code_check_char("91A50100M000100Y4") == "2"
    assert_invalid(validate_credit_code, "91A50100M000100Y42", "统一社会信用代码的行政区划码无效", "division")


def test_credit_code_wrong_check_char():
    msg = "统一社会信用代码校验码错误"
    assert_invalid(validate_credit_code, "91350100M000100Y44", msg, "check_char")
    assert_invalid(validate_credit_code, "91110108551385082P", msg, "check_char")


@pytest.mark.parametrize("bad", ["", "9135010", "91350100M000100Y43", "91350100M000100I4"])
def test_credit_code_check_char_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        credit_code_check_char(bad)


def test_credit_code_charset():
    assert len(CREDIT_CODE_CHARSET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_CHARSET)


def test_credit_code_check_value_31_maps_to_zero():
    # Sum mod 31 == 0 -> c = 31 -> check char "0".
    assert credit_code_check_char("0" * 17) == "0"
    assert validate_credit_code("0" * 18) == "0" * 18


credit_chars = st.sampled_from(CREDIT_CODE_CHARSET)
credit_first17 = st.tuples(
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=9, max_size=9),
).map("".join)


@given(credit_first17)
def test_make_credit_code_validates(first17):
    code = make_credit_code(first17)
    assert len(code) == 18
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code


# Every weight is non-zero mod 31 and 31 is prime, so changing any one of the
# first 17 characters shifts the weighted sum by w * delta with
# 0 < |delta| < 31, which is never 0 mod 31; changing the check character
# itself trivially mismatches.  Hence every single substitution is detected
# (checked exhaustively below for one code, and by hypothesis in general).
# A substitution inside characters 3-8 by a letter trips the division check
# first, so only the error *set* is asserted there.


@given(credit_first17, st.integers(min_value=0, max_value=17), credit_chars)
def test_credit_code_detects_any_single_substitution(first17, position, replacement):
    code = make_credit_code(first17)
    if code[position] == replacement:
        return
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(mutated)
    if 2 <= position <= 7 and not replacement.isdigit():
        assert excinfo.value.code == "division"
    else:
        assert excinfo.value.code == "check_char"


def test_credit_code_single_substitution_exhaustive_for_example():
    code = "91350100M000100Y43"
    for position in range(18):
        for replacement in CREDIT_CODE_CHARSET:
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_credit_code(mutated)


def test_credit_code_weights_are_powers_of_three_mod_31():
    # Sanity check on the published weights: w_i = 3**i mod 31, all non-zero.
    from smartunion.core import validators

    assert validators._CREDIT_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert all(w % 31 for w in validators._CREDIT_WEIGHTS)


# ---------------------------------------------------------------------------
# Mainland mobile number
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "+86 138 0013 8000",
        "86-13800138000",
        "+8613800138000",
        "8613800138000",
        "138-0013-8000",
        " 138 0013 8000 ",
        "１３８００１３８０００",
        "＋８６\u3000１３８－００１３－８０００",
    ],
)
def test_mobile_accepted_forms(value):
    assert validate_mobile(value) == "13800138000"


def test_mobile_required():
    for empty in ("", "   ", "\u3000", "-", None):
        assert_invalid(validate_mobile, empty, "请填写手机号码", "required")


@pytest.mark.parametrize(
    "value",
    [
        "12800138000",  # second digit 2
        "1380013800",  # 10 digits
        "abc",
        "138001380000",  # 12 digits
        "+86",
        "+1 13800138000",
        "0086 13800138000",
        "86 1380013800",  # 86 + 10 digits is not stripped
        "23800138000",
        "١٣٨٠٠١٣٨٠٠٠",  # non-ASCII digits
    ],
)
def test_mobile_rejected(value):
    assert_invalid(validate_mobile, value, "手机号码格式不正确，应为11位中国大陆手机号", "format")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_mobile_second_digit_property(rest):
    number = "1" + rest
    if rest[0] in "3456789":
        assert validate_mobile(number) == number
        assert validate_mobile("+86 " + number) == number
    else:
        with pytest.raises(ValidationError) as excinfo:
            validate_mobile(number)
        assert excinfo.value.code == "format"
