r"""Streaming the legacy CSV files: one record at a time, with its original bytes.

Files are read as UTF-8. A line that is not valid UTF-8 is read again with each
invalid byte taken as Windows-1252 (the legacy system's code page): the byte 0xFC
in "Fr\xfcnklin" reads as "ü", never as a replacement character. The record is marked
``recoded`` so the summary counts the repair. A byte Windows-1252 leaves undefined
becomes its Latin-1 control character, which the value checks then refuse.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_HANDLER = "presslog-legacy-cp1252"


def _as_cp1252(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), error.end


codecs.register_error(_HANDLER, _as_cp1252)


@dataclass
class Record:
    """One data row: its number (1 = first row after the header), bytes and fields."""

    number: int
    raw: bytes
    fields: list[str]
    recoded: bool


class _Lines:
    """Decoded lines for the csv module, remembering the bytes of the current record."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.raw: list[bytes] = []
        self.recoded = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline()
        if not line:
            raise StopIteration
        self.raw.append(line)
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            self.recoded = True
            return line.decode("utf-8", errors=_HANDLER)

    def take(self) -> tuple[bytes, bool]:
        """The bytes read for the record just parsed (line ending removed); start afresh."""
        raw, recoded = b"".join(self.raw), self.recoded
        self.raw, self.recoded = [], False
        return raw.rstrip(b"\r\n"), recoded


class LegacyFile:
    """A legacy CSV export opened for streaming: ``header``, then ``records()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: BinaryIO = path.open("rb")
        self.lines = _Lines(self.handle)
        self.reader = csv.reader(self.lines, strict=False)
        first = next(self.reader, None)
        self.header_raw, _ = self.lines.take()
        if first and first[0].startswith("\ufeff"):
            first[0] = first[0].removeprefix("\ufeff")
            self.header_raw = self.header_raw.removeprefix(codecs.BOM_UTF8)
        self.header: list[str] = first or []

    def records(self) -> Iterator[Record]:
        """Each data row in file order; blank lines are skipped."""
        number = 0
        for fields in self.reader:
            raw, recoded = self.lines.take()
            if not fields:
                continue
            number += 1
            yield Record(number, raw, fields, recoded)

    def close(self) -> None:
        """Close the file."""
        self.handle.close()
