"""The assessment formula language: what it reads, how it evaluates, and its Chinese errors with positions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smartunion.insight import formula as f

D = Decimal
KEYS = ["members", "joins", "cases_closed", "cases_closed_on_time", "gig_members"]
STOCKS = ["members", "gig_members"]


def parse(text):
    return f.parse(text, keys=KEYS, stocks=STOCKS)


@pytest.mark.parametrize(("text", "canonical"), [
    ("joins", "sum(joins)"),
    ("members", "last(members)"),
    ("avg(members) + 1", "(avg(members) + 1)"),
    ("rate(cases_closed_on_time, cases_closed) * 100", "(rate(sum(cases_closed_on_time), sum(cases_closed)) * 100)"),
    ("joins / members * 1000", "((sum(joins) / last(members)) * 1000)"),
    ("-joins + 2 * (3 - 1)", "(-sum(joins) + (2 * (3 - 1)))"),
    ("（joins＋1）×2÷4", "(((sum(joins) + 1) * 2) / 4)"),
    ("max(joins, 5, sum(members))", "max(sum(joins), 5, sum(members))"),
    ("pct(gig_members, members)", "pct(last(gig_members), last(members))"),
])
def test_valid_formulas_parse_to_their_canonical_form(text, canonical):
    assert f.render(parse(text).tree) == canonical


def test_keys_and_uses():
    formula = parse("rate(joins, members) + sum(members)")
    assert formula.keys == {"joins", "members"}
    assert formula.uses == {("joins", "sum"), ("members", "last"), ("members", "sum")}


@pytest.mark.parametrize(("text", "message"), [
    ("", "公式有误：公式不能为空"),
    ("foo * 2", "公式第 1 个字符处：未知指标 foo"),
    ("joins + members + foo", "公式第 19 个字符处：未知指标 foo"),
    ("joins +", "公式第 8 个字符处：公式不完整，结尾缺少数字、指标或“)”"),
    ("(joins", "公式第 7 个字符处：这里应为“)”，却是公式结尾"),
    ("joins 2", "公式第 7 个字符处：多余的“2”"),
    ("joins $ 2", "公式第 7 个字符处：不能识别的字符“$”"),
    ("rate(joins)", "公式第 11 个字符处：函数 rate 需要 2 个参数，却有 1 个"),
    ("min(joins)", "公式第 10 个字符处：函数 min 需要至少 2 个参数，却有 1 个"),
    ("sum(1)", "公式第 5 个字符处：函数 sum 的参数应为一个指标"),
    ("sqrt(joins)", "公式第 1 个字符处：未知函数 sqrt"),
    ("rate + 1", "公式第 6 个字符处：函数 rate 后应有“(”"),
    ("1.2.3", "公式第 1 个字符处：数字 1.2.3 的格式不正确"),
    ("__import__('os')", "公式第 12 个字符处：不能识别的字符“'”"),
    ("__import__(os)", "公式第 1 个字符处：未知函数 __import__"),
    ("joins ** 2", "公式第 8 个字符处：这里不能是“*”"),
])
def test_invalid_formulas_say_where(text, message):
    with pytest.raises(f.FormulaError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.fields == {"formula": message}


def test_too_long_and_too_deep():
    with pytest.raises(f.FormulaError, match="公式最长 500 个字符"):
        parse("1+" * 250 + "1")
    with pytest.raises(f.FormulaError, match="嵌套超过 30 层"):
        parse("(" * 31 + "1" + ")" * 31)


def test_evaluation_with_no_value_on_division_by_zero():
    values = {("joins", "sum"): D(30), ("members", "last"): D(200), ("cases_closed", "sum"): D(0),
              ("cases_closed_on_time", "sum"): D(0)}

    def value_of(key, agg):
        return values[(key, agg)]

    assert parse("joins / members * 1000").evaluate(value_of) == D(150)
    assert parse("rate(cases_closed_on_time, cases_closed)").evaluate(value_of) is None
    assert parse("joins / cases_closed + 1").evaluate(value_of) is None
    assert parse("pct(joins, members)").evaluate(value_of) == D(15)
    assert parse("min(joins, 10) - max(joins, 10)").evaluate(value_of) == D(-20)
    assert parse("-joins").evaluate(value_of) == D(-30)


def test_the_registry_of_the_roll_ups():
    formula = f.parse_indicator("rate(cases_closed_on_time, cases_closed) + members")
    assert formula.uses == {("cases_closed_on_time", "sum"), ("cases_closed", "sum"), ("members", "last")}
