"""Tests for the national reference code tables (pure Python, no database)."""

from __future__ import annotations

import pytest

from smartunion.core import codes

SHANDONG = "370000"


def _shandong(level: str) -> list[dict]:
    return [e for e in codes.entries("regions") if e["level"] == level and e["code"].startswith("37")]


@pytest.mark.parametrize("name", codes.TABLES)
def test_table_loads_with_unique_sorted_string_codes(name):
    table = codes.get_table(name)
    assert table["table"] == name
    assert table["title"]
    assert table["standard"]
    entry_codes = [e["code"] for e in table["entries"]]
    assert entry_codes, name
    assert all(isinstance(c, str) and c for c in entry_codes)
    assert all(isinstance(e["name"], str) and e["name"] for e in table["entries"])
    assert len(entry_codes) == len(set(entry_codes))
    assert entry_codes == sorted(entry_codes)


def test_tables_tuple():
    assert codes.TABLES == (
        "regions",
        "sex",
        "ethnicity",
        "education",
        "political_status",
        "industry",
        "employment_form",
        "membership_change_type",
        "membership_change_reason",
    )


def test_project_defined_and_national_standards():
    assert codes.get_table("regions")["standard"] == "GB/T 2260-2007"
    for name in ("employment_form", "membership_change_type", "membership_change_reason"):
        assert codes.get_table(name)["standard"] == "SmartUnion"


def test_unknown_table_raises_key_error():
    with pytest.raises(KeyError, match="no_such_table"):
        codes.get_table("no_such_table")
    with pytest.raises(KeyError):
        codes.label("no_such_table", "01")
    with pytest.raises(KeyError):
        codes.entries("no_such_table")


# --- regions ---------------------------------------------------------------


def test_regions_shape():
    index = {e["code"]: e for e in codes.entries("regions")}
    for e in index.values():
        assert e["level"] in {"province", "city", "county"}
        assert len(e["code"]) == 6 and e["code"].isdigit()
        if e["level"] == "province":
            assert e["parent"] is None
            assert e["code"].endswith("0000")
        else:
            assert e["parent"] in index
            assert e["code"][:2] == e["parent"][:2]
        if e["level"] == "city":
            assert index[e["parent"]]["level"] == "province"
            assert e["code"].endswith("00")


def test_all_34_provinces():
    provinces = [e for e in codes.entries("regions") if e["level"] == "province"]
    assert len(provinces) == 34
    assert provinces[0] == {"code": "110000", "name": "北京市", "level": "province", "parent": None}
    assert provinces[-1]["code"] == "820000"
    assert provinces[-1]["name"] == "澳门特别行政区"
    assert codes.label("regions", "370000") == "山东省"


def test_shandong_has_16_cities():
    cities = _shandong("city")
    assert len(cities) == 16
    assert [c["code"] for c in cities] == [
        "370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800",
        "370900", "371000", "371100", "371300", "371400", "371500", "371600", "371700",
    ]  # fmt: skip
    assert all(c["parent"] == SHANDONG for c in cities)
    assert cities[0]["name"] == "济南市"
    assert cities[-1]["name"] == "菏泽市"
    # Laiwu (371200) was merged into Jinan in 2019.
    assert not codes.is_valid("regions", "371200")


def test_shandong_has_136_counties_under_their_cities():
    city_codes = {c["code"] for c in _shandong("city")}
    counties = _shandong("county")
    assert len(counties) == 136
    for county in counties:
        assert county["parent"] in city_codes, county
        assert county["code"][:4] == county["parent"][:4], county
        # Development-zone codes ("71xx" county part) are not administrative divisions.
        assert county["code"][4:6] != "00" and county["code"][4] != "7", county


def test_shandong_county_counts_per_city():
    per_city = {c["code"]: len(codes.region_children(c["code"])) for c in _shandong("city")}
    assert per_city == {
        "370100": 12, "370200": 10, "370300": 8, "370400": 6, "370500": 5, "370600": 11,
        "370700": 12, "370800": 11, "370900": 6, "371000": 4, "371100": 4, "371300": 12,
        "371400": 11, "371500": 8, "371600": 7, "371700": 9,
    }  # fmt: skip


def test_shandong_recent_changes():
    assert codes.label("regions", "370114") == "章丘区"
    assert codes.label("regions", "370115") == "济阳区"
    assert codes.label("regions", "370116") == "莱芜区"
    assert codes.label("regions", "370117") == "钢城区"
    assert codes.label("regions", "370215") == "即墨区"
    assert codes.label("regions", "370503") == "河口区"
    assert codes.label("regions", "370505") == "垦利区"
    assert codes.label("regions", "370614") == "蓬莱区"
    assert codes.label("regions", "371503") == "茌平区"
    assert codes.label("regions", "371681") == "邹平市"
    for gone in ("370634", "370684", "371202", "371203", "371523", "371626"):
        assert not codes.is_valid("regions", gone)


def test_region_labels():
    assert codes.label("regions", "370102") == "历下区"
    assert codes.label("regions", "370100") == "济南市"
    assert codes.label("regions", "999999") is None


def test_region_ancestors():
    assert [e["code"] for e in codes.region_ancestors("370102")] == ["370000", "370100"]
    assert [e["code"] for e in codes.region_ancestors("370100")] == ["370000"]
    assert codes.region_ancestors("370000") == []
    assert codes.region_ancestors("999999") == []
    # Municipal districts hang directly under the province-level entry.
    assert [e["code"] for e in codes.region_ancestors("110105")] == ["110000"]


def test_region_children():
    jinan = [e["code"] for e in codes.region_children("370100")]
    assert len(jinan) == 12
    assert jinan[0] == "370102"
    assert "370116" in jinan and "370117" in jinan
    assert len(codes.region_children("370000")) == 16
    assert codes.region_children("370102") == []
    assert codes.region_children("999999") == []


def test_province_codes():
    provinces = codes.province_codes()
    assert len(provinces) == 34
    assert {"11", "37", "50", "65", "71", "81", "82"} <= provinces
    assert "10" not in provinces
    assert all(len(p) == 2 and p.isdigit() for p in provinces)


# --- small national tables ---------------------------------------------------


def test_sex():
    assert codes.choices("sex") == [("0", "未知的性别"), ("1", "男性"), ("2", "女性"), ("9", "未说明的性别")]


def test_ethnicity():
    entries = codes.entries("ethnicity")
    assert len(entries) == 58
    assert codes.label("ethnicity", "01") == "汉族"
    assert codes.label("ethnicity", "56") == "基诺族"
    assert codes.label("ethnicity", "97") == "其他"
    assert codes.label("ethnicity", "98") == "外国血统中国籍人士"
    assert [e["code"] for e in entries[:56]] == [f"{i:02d}" for i in range(1, 57)]
    assert all(e["name"].endswith("族") for e in entries[:56])


def test_education():
    assert codes.label("education", "11") == "博士研究生毕业"
    assert codes.label("education", "21") == "大学本科毕业"
    assert codes.label("education", "90") == "其他"
    assert len(codes.entries("education")) == 12


def test_political_status():
    entries = codes.entries("political_status")
    assert [e["code"] for e in entries] == [f"{i:02d}" for i in range(1, 14)]
    assert codes.label("political_status", "01") == "中国共产党党员"
    assert codes.label("political_status", "13") == "群众"


def test_industry():
    assert [e["code"] for e in codes.entries("industry")] == list("ABCDEFGHIJKLMNOPQRST")
    assert codes.label("industry", "C") == "制造业"
    assert codes.label("industry", "T") == "国际组织"


# --- project-defined tables ------------------------------------------------------


def test_gig_employment_forms():
    gig = [e["code"] for e in codes.entries("employment_form") if e["gig"] is True]
    assert gig == ["11", "12", "13", "14", "15", "16"]
    assert all(isinstance(e["gig"], bool) for e in codes.entries("employment_form"))
    assert codes.label("employment_form", "12") == "外卖配送员"
    assert codes.label("employment_form", "04") == "灵活就业"
    assert codes.label("employment_form", "90") == "其他"


def test_membership_change_types():
    entries = codes.entries("membership_change_type")
    assert [(e["code"], e["slug"]) for e in entries] == [
        ("01", "join"),
        ("02", "transfer_in"),
        ("03", "transfer_out"),
        ("04", "withdraw"),
        ("05", "expel"),
        ("06", "retain"),
        ("07", "restore"),
        ("08", "attach"),
        ("09", "reattach"),
    ]
    assert codes.label("membership_change_type", "09") == "挂靠转回"
    assert not codes.is_valid("membership_change_type", "10")


def test_every_change_reason_points_at_a_change_type():
    for reason in codes.entries("membership_change_reason"):
        assert codes.is_valid("membership_change_type", reason["type"]), reason
        assert reason["code"][:2] == reason["type"], reason
        assert len(reason["code"]) == 4
    assert codes.label("membership_change_reason", "0302") == "离职"
    assert codes.label("membership_change_reason", "0801") == "单位未建会"


# --- API behaviour ---------------------------------------------------------------


def test_is_valid_and_label_edge_cases():
    assert codes.is_valid("sex", "1")
    assert not codes.is_valid("sex", 1)
    assert not codes.is_valid("sex", "3")
    assert not codes.is_valid("sex", None)
    assert codes.label("sex", "3") is None


def test_choices_are_code_name_tuples():
    choices = codes.choices("political_status")
    assert choices[0] == ("01", "中国共产党党员")
    assert all(isinstance(c, tuple) and len(c) == 2 for c in choices)


def test_tables_are_cached():
    assert codes.get_table("regions") is codes.get_table("regions")
