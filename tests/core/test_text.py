"""core.text.normalize_employer_name: the ways people write one employer reduce to one key, within a county."""

import pytest

from smartunion.core.text import normalize_employer_name, region_name_forms, short_region_name

LIXIA = "370102"


@pytest.mark.parametrize("name", [
    "甲科技有限公司",
    "山东省济南市甲科技有限公司",      # province and city in front
    "山东济南历下甲科技有限公司",      # short forms, county too
    "济南市历下区甲科技有限公司",
    "濟南甲科技有限公司",              # traditional characters
    "甲科技（济南）有限公司",          # the place in brackets after the trade name
    "甲科技(山东济南)有限公司",
    "【济南】甲科技有限公司",
    "甲 科技 有限 公司",               # spaces
    "　甲科技有限公司　",              # ideographic spaces
    "甲科技有限责任公司",              # another company form
    "甲科技股份有限公司",              # joint-stock: the same key (see the module docstring)
    "甲科技集团有限公司",
    "甲科技",                          # no company form at all
    "甲·科技、有限公司。",             # punctuation
])
def test_variants_of_one_employer_have_one_key(name):
    assert normalize_employer_name(name, region=LIXIA) == "甲科技"


@pytest.mark.parametrize(("name", "key"), [
    ("ＡＢＣ科技有限公司", "ABC科技"),         # full-width letters
    ("abc科技有限公司", "ABC科技"),             # letter case
    ("济南ABC（历下）软件有限公司", "ABC软件"),
    ("濟南ＡＢＣ（歷下）軟件有限公司", "ABC软件"),
    ("济南  丁（科技）有限公司", "丁科技"),     # a bracketed word that is not a place stays
    ("青岛啤酒（济南）有限公司", "青岛啤酒"),  # another city's name is a trade name here
    ("甲科技有限公司历下分公司", "甲科技有限公司历下分公司"),  # a branch keeps its company form
    ("济南有限公司", "济南"),                   # never strip the whole name
    ("有限公司", "有限公司"),
    ("", ""),
])
def test_keys(name, key):
    assert normalize_employer_name(name, region=LIXIA) == key


def test_a_township_region_uses_its_countys_names():
    assert normalize_employer_name("济南历下甲科技有限公司", region="370102001002") == "甲科技"
    assert normalize_employer_name("济南历下甲科技有限公司", region="370102001") == "甲科技"


def test_place_names_of_another_county_are_kept():
    # In 市南区 (青岛), 济南 is part of the name.
    assert normalize_employer_name("济南甲科技有限公司", region="370202") == "济南甲科技"
    assert normalize_employer_name("青岛市南甲科技有限公司", region="370202") == "甲科技"


def test_an_unknown_region_strips_no_place_names():
    assert normalize_employer_name("济南甲科技有限公司", region="999999") == "济南甲科技"


def test_place_name_forms_come_from_the_region_table():
    assert region_name_forms("370102") == ("历下区", "山东省", "济南市", "历下", "山东", "济南")


@pytest.mark.parametrize(("name", "short"), [
    ("济南市", "济南"), ("历下区", "历下"), ("平阴县", "平阴"), ("山东省", "山东"), ("内蒙古自治区", "内蒙古"),
    ("新疆维吾尔自治区", "新疆"), ("广西壮族自治区", "广西"), ("延边朝鲜族自治州", "延边"),
    ("海西蒙古族藏族自治州", "海西"), ("锡林郭勒盟", "锡林郭勒"), ("香港特别行政区", "香港"), ("郊区", "郊区"),
])
def test_short_region_names(name, short):
    assert short_region_name(name) == short
