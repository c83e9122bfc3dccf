"""Names and free text (core/forms.py): the checks every service runs on text that people type."""

from __future__ import annotations

import datetime as dt

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.forms import check_text_fields, clean_name, field_limit, name_error, text_error
from smartunion.members.models import JoinApplication, Person
from smartunion.orgs.models import Organisation


@pytest.mark.parametrize("name", [
    "张伟", "欧阳娜娜", "买买提·艾力", "阿卜杜勒·热合曼", "Zhang Wei", "O'Brien", "李\u3007", "𠀋𡈽",  # CJK ext. B
    "김민준", "张伟😀", "张 伟", "A", "陈2",
])
def test_readable_names_are_accepted(name):
    assert clean_name(name) == (name, None)


@pytest.mark.parametrize(("raw", "message"), [
    ("", "请填写姓名"),
    ("   ", "请填写姓名"),
    ("\u3000\u3000", "请填写姓名"),  # ideographic spaces only
    ("😀", "姓名应包含汉字或字母"),
    ("😀👍🏻", "姓名应包含汉字或字母"),
    ("123", "姓名应包含汉字或字母"),
    ("·-·", "姓名应包含汉字或字母"),
    ("\u200b", "姓名不能包含不可见字符"),  # zero width space
    ("\ufeff", "姓名不能包含不可见字符"),  # byte order mark
    ("\u3164", "姓名不能包含不可见字符"),  # Hangul filler: a "letter" that shows nothing
    ("\u3164\u3164", "姓名不能包含不可见字符"),
    ("\uffa0", "姓名不能包含不可见字符"),  # half-width Hangul filler
    ("张\u200b伟", "姓名不能包含不可见字符"),
    ("张\u202e伟", "姓名不能包含不可见字符"),  # right-to-left override
    ("张\x00伟", "姓名不能包含控制字符"),
    ("张\n伟", "姓名不能包含控制字符"),
    ("张\t伟", "姓名不能包含控制字符"),
    ("张\x85伟", "姓名不能包含控制字符"),  # C1 next line
    ("张\ud800伟", "姓名含有无法识别的字符"),  # unpaired surrogate from JSON "\ud800"
    ("张\udfff", "姓名含有无法识别的字符"),
    ("张" * 51, "姓名不能超过50个字"),
    (None, "请填写姓名"),
    (42, "请填写姓名"),
])
def test_unreadable_names_are_refused(raw, message):
    assert clean_name(raw)[1] == message


def test_name_is_stripped_and_the_limit_counts_characters():
    assert clean_name("  张伟\u3000") == ("张伟", None)
    assert clean_name("张" * 50) == ("张" * 50, None)
    assert clean_name("单位", "单位名称", max_length=1)[1] == "单位名称不能超过1个字"
    assert name_error("", "联系人") == "联系人应包含汉字或字母"


@pytest.mark.parametrize(("value", "message"), [
    ("济南市历下区解放路1号", None),
    ("第一行\n第二行\r\n\t缩进", None),  # free text may break lines
    ("😀", None),  # free text need not be readable
    ("\u200b", None),
    ("地址\x00", "地址不能包含控制字符"),
    ("地址\x1b[31m", "地址不能包含控制字符"),
    ("地址\x7f", "地址不能包含控制字符"),
    ("地址\ud83d", "地址含有无法识别的字符"),
    ("地" * 201, "地址不能超过200个字"),
])
def test_free_text(value, message):
    assert text_error(value, "地址", max_length=200) == message


def test_single_line_text_refuses_line_breaks():
    assert text_error("a\nb", "标题", single_line=True) == "标题不能包含控制字符"
    assert text_error("a\nb", "标题") is None


def test_field_limit_comes_from_the_column():
    assert field_limit(Person._meta.get_field("name")) == 50
    assert field_limit(Organisation._meta.get_field("address")) == 200
    assert field_limit(Person._meta.get_field("address")) == 200  # encrypted text: the bound for an address
    assert field_limit(JoinApplication._meta.get_field("employer_name")) == 150


def test_check_text_fields_reports_each_field_with_its_label():
    errors: dict[str, str] = {"contact_phone": "手机号码格式不正确"}
    check_text_fields(Organisation, {
        "name": "😀", "contact_name": "\u3164", "address": "地" * 201, "credit_code": "9\x00",
        "contact_phone": "\ud800", "not_a_field": "\x00", "latitude": 1,
    }, errors)

    assert errors == {
        "contact_phone": "手机号码格式不正确",  # an earlier error is kept
        "name": "名称应包含汉字或字母",
        "contact_name": "联系人不能包含不可见字符",
        "address": "地址不能超过200个字",
        "credit_code": "统一社会信用代码不能包含控制字符",
    }


def test_check_text_fields_accepts_good_text_and_empty_optional_names():
    errors: dict[str, str] = {}
    check_text_fields(Organisation, {"name": "甲公司工会委员会", "contact_name": "", "address": "解放路\n1号"}, errors)
    check_text_fields(JoinApplication, {"name": "张伟", "employer_name": "济南甲科技有限公司"}, errors)
    assert errors == {}


def test_check_text_fields_applies_the_name_rule_to_the_fields_named():
    errors: dict[str, str] = {}
    check_text_fields(JoinApplication, {"employer_name": "12306", "gig_platform": "😀"}, errors)
    assert errors == {"employer_name": "工作单位应包含汉字或字母"}

    errors = {}
    check_text_fields(JoinApplication, {"employer_name": "12306"}, errors, names=frozenset())
    assert errors == {}


# The services that take text from people call these checks: a few of them, end to end


def test_person_upsert_refuses_an_unreadable_name(db):
    from smartunion.core.errors import Invalid
    from smartunion.core.validators import make_id_number
    from smartunion.members.services import person_upsert

    with pytest.raises(Invalid) as excinfo:
        person_upsert(name="\u200b", id_number=make_id_number("370102", dt.date(1990, 1, 1), 1), address="路\x00",
                      by=SYSTEM)

    assert excinfo.value.fields == {"name": "姓名不能包含不可见字符", "address": "住址不能包含控制字符"}
    assert not Person.objects.exists()


@pytest.mark.parametrize(("name", "errors"), [
    ("张伟", []),
    ("😀", [("姓名", "姓名应包含汉字或字母")]),
    ("\u200b", [("姓名", "姓名不能包含不可见字符")]),
    ("张" * 51, [("姓名", "姓名不能超过50个字")]),
    ("  ", [("姓名", "请填写姓名")]),
])
def test_roster_rows_use_the_same_name_rule(name, errors):
    from smartunion.core.validators import make_id_number
    from smartunion.members.roster import COLUMNS, RowChecker

    checker = RowChecker({column: i for i, column in enumerate(COLUMNS)}, dt.date(2025, 6, 1))
    row, found = checker.check(2, [name, make_id_number("370102", dt.date(1990, 1, 1), 5)])

    assert found == errors
    assert (row is None) == bool(errors)
