"""core/money.py: fen shown as yuan exactly, in code and in templates."""

from __future__ import annotations

from django.template import Context, Template

from smartunion.core.money import yuan


def test_yuan_is_exact_for_every_size_and_sign():
    assert [yuan(v) for v in (0, 5, 123_456, 100, -5, -123_456, 1_234_567_890_123, None)] == [
        "0.00", "0.05", "1234.56", "1.00", "-0.05", "-1234.56", "12345678901.23", ""]


def test_the_template_filter_shows_yuan_and_nothing_for_no_amount():
    page = Template("{% load money %}[{{ a|yuan }}][{{ b|yuan }}][{{ c|yuan }}]")
    assert page.render(Context({"a": 123_456, "b": None, "c": "x"})) == "[1234.56][][]"


def test_fen_takes_a_form_s_yuan_exactly():
    from decimal import Decimal

    from smartunion.core.money import fen

    assert [fen(v) for v in (Decimal("86400.50"), "12.34", 0.1, None, "")] == [8_640_050, 1234, 10, None, None]
