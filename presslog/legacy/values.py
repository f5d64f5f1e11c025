"""Reading and writing single legacy values: the kinds of the mapping table.

Each kind turns the raw text of one legacy field into the value PressLog stores
(``parse``) and back into legacy text (``format``). Parsing repairs only what is
unambiguous and names every repair it made; anything else raises :class:`BadValue`
with words a person can act on.

Repairs, by kind (the names the import summary counts):

- ``whitespace`` — surrounding blanks or tabs removed;
- ``case`` — a code written in lower case upper-cased;
- ``date_format`` — a date written MM/DD/YYYY (or M/D/YYYY) read as that calendar date,
  or a timestamp at midnight UTC ("2000-02-06 00:00:00") read as its date;
- ``number_format`` — a ``$`` or thousands separators removed ("$1,234.50", "1,000");
- ``boolean_spelling`` — a yes/no written another way (T/F/1/0/true/false/Y/N);
- ``encoding`` — text that was not UTF-8 read as Windows-1252 (counted by the reader).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from presslog.core.numbers import plain_number


class BadValue(Exception):
    """A legacy value PressLog cannot take; ``code`` groups it in the summary."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Parsed = tuple[Any, list[str]]

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A timestamp at midnight UTC is a date written as a timestamp (Cust Since is a TS).
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00(?::?00)?)?")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_DRESSED_NUMBER = re.compile(r"(-?)\$?(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_TRUE = {"Y", "YES", "T", "TRUE", "1"}
_FALSE = {"N", "NO", "F", "FALSE", "0"}


def _trim(raw: str) -> tuple[str, list[str]]:
    stripped = raw.strip()
    return stripped, (["whitespace"] if stripped != raw else [])


def _check_controls(text: str) -> None:
    found = _CONTROL.search(text)
    if found:
        raise BadValue(
            "control_char",
            f"contains a control character (U+{ord(found.group()):04X}); remove it",
        )


@dataclass(frozen=True)
class Text:
    """Free text, stored as written (only surrounding blanks are trimmed)."""

    name: str = "text"

    def parse(self, raw: str) -> Parsed:
        """The trimmed text, or None when blank."""
        text, repairs = _trim(raw)
        if not text:
            return None, repairs
        _check_controls(text)
        return text, repairs

    def format(self, value: Any) -> str:
        """The text as written."""
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Code(Text):
    """A code the shop writes in capitals (LOG, customer code, job type, art log)."""

    name: str = "code"

    def parse(self, raw: str) -> Parsed:
        """The trimmed, upper-cased code."""
        text, repairs = super().parse(raw)
        if text is not None and text.upper() != text:
            text, repairs = text.upper(), [*repairs, "case"]
        return text, repairs


@dataclass(frozen=True)
class Date:
    """A calendar date: YYYY-MM-DD, or MM/DD/YYYY (repaired); exported ISO."""

    name: str = "date"

    def parse(self, raw: str) -> Parsed:
        """The date, or None when blank."""
        text, repairs = _trim(raw)
        if not text:
            return None, repairs
        midnight = _MIDNIGHT.fullmatch(text)
        if midnight:
            text, repairs = midnight.group(1), [*repairs, "date_format"]
        iso, us = _ISO_DATE.fullmatch(text), _US_DATE.fullmatch(text)
        if iso:
            year, month, day = (int(p) for p in iso.groups())
        elif us:
            month, day, year = (int(p) for p in us.groups())
            repairs = [*repairs, "date_format"]
        else:
            raise BadValue(
                "date_layout", "is not a date in a known layout (YYYY-MM-DD or MM/DD/YYYY)"
            )
        try:
            return date(year, month, day), repairs
        except ValueError:
            raise BadValue("date_invalid", "is not a real calendar date") from None

    def format(self, value: Any) -> str:
        """The date as YYYY-MM-DD."""
        return "" if value is None else value.isoformat()


@dataclass(frozen=True)
class Number:
    """A decimal number with at most ``places`` decimals (the PressLog column's scale).

    "$1,234.50" and "1,000" are repaired; anything else that is not a plain
    number ("12 lbs", "four", "1e3") is refused, as are more decimals than the
    column keeps (they would be rounded away).
    """

    places: int = 2
    money: bool = False
    name: str = "number"
    digits: int = 12  # the column's precision: digits before and after the point

    def parse(self, raw: str) -> Parsed:
        """The Decimal, or None when blank."""
        text, repairs = _trim(raw)
        if not text:
            return None, repairs
        if _PLAIN_NUMBER.fullmatch(text):
            digits = text
        else:
            dressed = _DRESSED_NUMBER.fullmatch(text)
            if (
                not dressed
                or ("$" not in text and "," not in text)
                or (dressed.group(1) and dressed.group(2))
            ):
                raise BadValue("not_a_number", "is not a number")
            sign = dressed.group(1) or dressed.group(2)
            digits = sign + dressed.group(3).replace(",", "") + (dressed.group(4) or "")
            repairs = [*repairs, "number_format"]
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the patterns above exclude it
            raise BadValue("not_a_number", "is not a number") from None
        if abs(value) >= Decimal(10) ** (self.digits - self.places):
            raise BadValue(
                "too_large",
                f"is too large (PressLog keeps {self.digits - self.places} digits "
                "before the decimal point)",
            )
        if value != value.quantize(Decimal(1).scaleb(-self.places)):
            if not self.places:
                raise BadValue("not_whole", "is not a whole number")
            raise BadValue(
                "too_precise",
                f"has more than {self.places} decimal places (PressLog keeps {self.places})",
            )
        return value, repairs

    def format(self, value: Any) -> str:
        """Money with two decimals, other numbers without trailing zeros."""
        if value is None:
            return ""
        if self.money:
            return f"{Decimal(value).quantize(Decimal('0.01')):f}"
        return plain_number(Decimal(value))


@dataclass(frozen=True)
class Integer(Number):
    """A whole number ("3", "3.0"); exported without decimals."""

    places: int = 0
    name: str = "integer"
    digits: int = 9

    def parse(self, raw: str) -> Parsed:
        """The int, or None when blank."""
        value, repairs = super().parse(raw)
        return (None if value is None else int(value)), repairs


@dataclass(frozen=True)
class Boolean:
    """A yes/no flag; blank is "no". Exported as the column's own spelling."""

    true: str = "Y"
    false: str = "N"
    name: str = "boolean"

    def parse(self, raw: str) -> Parsed:
        """True or False (blank is False, as PressLog's flags are never unknown)."""
        text, repairs = _trim(raw)
        if not text:
            return False, repairs
        word = text.upper()
        if word in _TRUE:
            value = True
        elif word in _FALSE:
            value = False
        else:
            raise BadValue("not_a_boolean", "is not a yes/no value (Y/N, T/F, 1/0, true/false)")
        if text not in (self.true, self.false):
            repairs = [*repairs, "boolean_spelling"]
        return value, repairs

    def format(self, value: Any) -> str:
        """The legacy spelling of the flag."""
        return self.true if value else self.false


Kind = Text | Date | Number | Boolean
