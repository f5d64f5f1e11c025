"""Showing numbers to people."""

from __future__ import annotations

from decimal import Decimal


def plain_number(value: Decimal | int | None) -> str:
    """A quantity or price without trailing zeros or exponent: 1.000 → 1, 4.7500 → 4.75."""
    if value is None:
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):f}"
    return f"{number.normalize():f}"
