"""The legacy export generator used by the import benchmark (bench/legacy_gen.py)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).resolve().parents[1] / "legacy" / "samples" / "clean"


def _load_generator():
    spec = importlib.util.spec_from_file_location("legacy_gen", ROOT / "bench" / "legacy_gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("legacy_gen", module)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _make(tmp_path: Path, name: str, **kwargs) -> Path:
    options = {"orders": 1200, "customers": 40, "seed": 7, **kwargs}
    out = tmp_path / name
    gen.generate(gen.Options(out=out, **options))
    return out


def test_clean_export_reads_back_and_adds_up(tmp_path: Path) -> None:
    out = _make(tmp_path, "clean")
    result = gen.verify(out)
    assert result["problems"] == []
    assert result["counts"]["orders"] == 1200
    assert result["counts"]["customers"] == 40
    assert not (out / "defects-summary.json").exists()


def test_dialect_is_the_samples(tmp_path: Path) -> None:
    out = _make(tmp_path, "clean")
    for name in ("Orders.csv", "Customers.csv"):
        data = (out / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in data
        data.decode("utf-8")
    header = (out / "Customers.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "Ship to 1 City ,Ship to 1 State ,Ship to 1 Zip ," in header


def test_headers_match_the_sample_exports(tmp_path: Path) -> None:
    out = _make(tmp_path, "clean", orders=10, customers=5)
    for name in ("Orders.csv", "Customers.csv"):
        with (SAMPLE / name).open(encoding="utf-8", newline="") as handle:
            expected = next(csv.reader(handle))
        with (out / name).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == expected


def test_same_seed_same_bytes_with_or_without_workers(tmp_path: Path) -> None:
    one = _make(tmp_path, "one", orders=12_000)
    two = _make(tmp_path, "two", orders=12_000, jobs=2)
    other = _make(tmp_path, "other", orders=12_000, seed=8)
    for name in ("Orders.csv", "Customers.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    assert (one / "Orders.csv").read_bytes() != (other / "Orders.csv").read_bytes()


def test_dirty_export_lists_every_defect(tmp_path: Path) -> None:
    out = _make(tmp_path, "dirty", orders=3000, customers=200, dirty_rate=0.2)
    summary = json.loads((out / "defects-summary.json").read_text())
    with (out / "defects.csv").open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    for table in ("Orders", "Customers"):
        rows = [d for d in listed if d["table"] == table]
        assert len(rows) == summary["tables"][table]["bad_rows"] > 0
    orders = summary["tables"]["Orders"]["by_reason"]
    assert set(orders) == set(gen.ORDER_DEFECTS)
    assert set(summary["expected"]) >= set(orders)
    raw = (out / "Orders.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    # Rows not listed as bad are still clean: unique LOGs, known customers.
    bad_rows = {int(d["row"]) for d in listed if d["table"] == "Orders"}
    with (out / "Customers.csv").open(encoding="utf-8", newline="") as handle:
        codes = {row["CUSTID"] for row in csv.DictReader(handle)}
    logs = set()
    with (out / "Orders.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), 1):
            if number in bad_rows:
                continue
            assert row["LOG"] not in logs
            logs.add(row["LOG"])
            assert row["CUST"] in codes
