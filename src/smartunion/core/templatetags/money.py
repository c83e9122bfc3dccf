"""{% load money %} {{ amount_fen|yuan }}: whole fen shown as yuan with two decimals (core/money.py)."""

from django import template

from smartunion.core import money

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return money.yuan(fen) if isinstance(fen, int) else ""
