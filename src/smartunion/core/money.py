"""Money as the database keeps it: whole fen (分). Shown and exported as yuan with two decimals, computed in integers
(no float: 1,234,567,890,123 fen is 12345678901.23 yuan, not its nearest double)."""

from __future__ import annotations

from decimal import Decimal


def yuan(fen: int | None) -> str:
    """123450 -> "1234.50"; -5 -> "-0.05"; None -> "" (an amount nobody gave)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def fen(yuan_amount) -> int | None:
    """A form's checked amount in yuan (Decimal, or a number or text of one) as whole fen; None or "" -> None."""
    return None if yuan_amount in (None, "") else int(Decimal(str(yuan_amount)) * 100)
