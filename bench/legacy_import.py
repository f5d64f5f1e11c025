#!/usr/bin/env python3
"""Time ``presslog import-legacy`` on large generated legacy exports.

For each database asked for, the script makes a fresh database (an SQLite file in a
temp folder, or the PostgreSQL database ``presslog_legacy_bench`` on 127.0.0.1:5432,
user ``postgres``, dropped before and after unless ``--keep``), runs ``presslog db
upgrade``, then runs ``presslog import-legacy`` twice as a subprocess: the first run
loads the files, the second (idempotence) run should find everything unchanged.  While
each run goes, its resident memory is read from ``/proc/<pid>/status`` (VmRSS) every
0.2 s and the peak kept.  The result is a Markdown table per database on stdout, also
written to ``bench/results/legacy-<db>-<orders>.md``.

The files come from ``bench/legacy_gen.py`` (in a temp folder, removed afterwards
unless ``--keep``), or from ``--data DIR`` holding Orders.csv and Customers.csv.

    python bench/legacy_import.py --orders 1000000 --customers 20000 --db both
    python bench/legacy_import.py --orders 10000 --db sqlite                # quick check
    python bench/legacy_import.py --orders 100000 --db sqlite --dirty-rate 0.02
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(BENCH_DIR))

import legacy_gen  # noqa: E402  (a sibling script, not a package)
from run import BenchError, presslog_command, tail  # noqa: E402  (the HTTP benchmark's helpers)

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "presslog_legacy_bench"
PG_APP_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
SAMPLE_SECONDS = 0.2
# "Orders: read 10, imported 9, updated 0, unchanged 0, rejected 1" (names may grow)
TABLE_LINE = re.compile(r"^\s*(Customers|Orders):\s*(.*)$")
COUNT = re.compile(r"([a-z][a-z _-]*?)\s+(\d+)")


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the report."""
    print(f"[legacy-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def require_import_command(presslog: Path) -> None:
    """Fail with one clear line when this PressLog has no ``import-legacy`` yet."""
    proc = subprocess.run(
        [str(presslog), "import-legacy", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 or "--orders" not in proc.stdout:
        last = tail(proc.stderr, 1)
        raise BenchError(
            "this PressLog has no working 'presslog import-legacy' command yet"
            + (f" ({last})" if last else "")
        )


# -- databases -----------------------------------------------------------------------


def _pg_connect() -> Any:
    try:
        import psycopg
    except ImportError:
        raise BenchError("psycopg is not installed in this venv") from None
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise BenchError(f"cannot connect to PostgreSQL at {PG_ADMIN_URL}: {first}") from None


def pg_drop() -> None:
    """Drop the benchmark database, ending any session still on it."""
    with _pg_connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (PG_BENCH_DB,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}"')


def pg_create() -> None:
    """A fresh, empty benchmark database."""
    pg_drop()
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


def pg_size() -> int | None:
    """Bytes used by the benchmark database."""
    with suppress(BenchError), _pg_connect() as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (PG_BENCH_DB,)).fetchone()
        return int(row[0]) if row else None
    return None


# -- running and measuring -------------------------------------------------------------


def rss_kib(pid: int) -> int | None:
    """The VmRSS of ``pid`` in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class Run:
    """One timed ``import-legacy`` run."""

    seconds: float
    exit_code: int
    peak_rss_kib: int
    stdout: str
    stderr: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)


def parse_summary(text: str) -> dict[str, dict[str, int]]:
    """The per-table counts in the import's summary: {"Orders": {"read": 10, ...}}."""
    tables: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        found = TABLE_LINE.match(line)
        if found:
            counts = {k.strip(): int(v) for k, v in COUNT.findall(found.group(2))}
            if "read" in counts:
                tables[found.group(1)] = counts
    return tables


def timed_import(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float, label: str
) -> Run:
    """Run the import, sampling its memory; a non-zero exit is kept, not raised."""
    out_path, err_path = cwd / f"{label}.out", cwd / f"{label}.err"
    peak = 0
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                peak = max(peak, rss_kib(proc.pid) or 0)
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise BenchError(f"{label} timed out after {timeout:.0f} s")
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=SAMPLE_SECONDS)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise
        seconds = time.perf_counter() - started
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    run = Run(seconds, proc.returncode, peak, stdout, stderr, parse_summary(stdout))
    if not run.tables:
        raise BenchError(
            f"{label} exited with code {proc.returncode} and printed no summary",
            tail(stderr or stdout),
        )
    return run


def run_step(name: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
    """Run one setup command; raise with its error tail if it fails."""
    proc = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"step '{name}' failed (exit {proc.returncode})", tail(proc.stderr))


def base_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment for every ``presslog`` command of one run."""
    env = dict(os.environ)
    env.update(
        {
            "PRESSLOG_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(36),
            "DATABASE_URL": database_url,
            "FORCE_HTTPS": "0",
            "LOG_LEVEL": "WARNING",
            "PRESSLOG_INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


# -- the report ------------------------------------------------------------------------


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB" if kib else "n/a"


def render(
    kind: str,
    opts: argparse.Namespace,
    data: Path,
    gen: dict | None,
    first: Run,
    second: Run,
    db_bytes: int | None,
) -> str:
    """The Markdown report for one database."""
    lines = [
        f"## Legacy import: {kind}, {opts.orders:,} orders",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {platform.node()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"dirty rate {opts.dirty_rate:g} · data {'generated' if gen else data}",
        "",
        "| table | rows read | imported | updated | unchanged | rejected | seconds "
        "| rows/s | peak RSS | 2nd run s | 2nd run unchanged |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total_read = 0
    for table in ("Customers", "Orders"):
        c1 = first.tables.get(table, {})
        c2 = second.tables.get(table, {})
        read = c1.get("read", 0)
        total_read += read
        lines.append(
            f"| {table} | {read:,} | {c1.get('imported', 0):,} | {c1.get('updated', 0):,} | "
            f"{c1.get('unchanged', 0):,} | {c1.get('rejected', 0):,} | | | | | "
            f"{c2.get('unchanged', 0):,} |"
        )
    rate = total_read / first.seconds if first.seconds else 0
    lines.append(
        f"| **run** | {total_read:,} | | | | | {first.seconds:,.1f} | {rate:,.0f} | "
        f"{_mib(first.peak_rss_kib)} | {second.seconds:,.1f} | |"
    )
    lines += [
        "",
        f"Second run peak RSS {_mib(second.peak_rss_kib)}; exit codes {first.exit_code} / "
        f"{second.exit_code} (non-zero when rows were rejected).",
    ]
    changed = {
        t: {k: c.get(k, 0) for k in ("imported", "updated") if c.get(k, 0)}
        for t, c in second.tables.items()
    }
    changed = {t: c for t, c in changed.items() if c}
    lines.append(
        "Idempotence: the second run changed nothing."
        if not changed
        else f"**Idempotence: the second run changed rows: {json.dumps(changed)}**"
    )
    if db_bytes:
        lines.append(f"Database size after import: {db_bytes / 2**20:,.0f} MiB.")
    if gen:
        lines.append(
            f"Files generated in {gen['seconds']:.1f} s: Orders.csv "
            f"{gen['orders_bytes'] / 2**20:,.1f} MiB, Customers.csv "
            f"{gen['customers_bytes'] / 2**20:,.1f} MiB"
            + (f"; injected bad rows {gen['defects']}" if gen.get("defects") else "")
            + "."
        )
    lines += ["", "First run's summary:", "", "```", first.stdout.strip(), "```", ""]
    return "\n".join(lines)


# -- one database -------------------------------------------------------------------------


def bench_one(kind: str, opts: argparse.Namespace, data: Path, gen: dict | None) -> str:
    """Make the database, import twice, return the report."""
    presslog = str(presslog_command())
    workdir = Path(tempfile.mkdtemp(prefix=f"presslog-legacy-{kind}-"))
    instance = workdir / "instance"
    instance.mkdir()
    try:
        if kind == "sqlite":
            db_path = workdir / "bench.sqlite3"
            url = f"sqlite:///{db_path}"
        else:
            pg_create()
            url = PG_APP_URL
        env = base_env(url, instance)
        log(f"{kind}: migrating")
        run_step("db upgrade", [presslog, "db", "upgrade"], env, workdir)
        cmd = [
            presslog,
            "import-legacy",
            "--orders",
            str(data / "Orders.csv"),
            "--customers",
            str(data / "Customers.csv"),
            "--rejects",
            str(workdir / "rejects"),
        ]
        runs = []
        for label in ("first", "second"):
            log(f"{kind}: import-legacy, {label} run")
            run = timed_import(cmd, env, workdir, opts.timeout, f"import-{label}")
            log(
                f"{kind}: {label} run took {run.seconds:.1f} s, peak RSS "
                f"{_mib(run.peak_rss_kib)}, exit {run.exit_code}"
            )
            runs.append(run)
        if kind == "sqlite":
            db_bytes = sum(p.stat().st_size for p in workdir.glob("bench.sqlite3*") if p.is_file())
        else:
            db_bytes = pg_size()
        return render(kind, opts, data, gen, runs[0], runs[1], db_bytes)
    finally:
        if opts.keep:
            log(f"kept {workdir}" + (f" and database {PG_BENCH_DB}" if kind == "postgres" else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if kind == "postgres":
                with suppress(BenchError):
                    pg_drop()


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders (default 1M)")
    parser.add_argument("--customers", type=int, default=20_000, help="customers (default 20000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--data", type=Path, help="use Orders.csv and Customers.csv from this folder instead"
    )
    parser.add_argument(
        "--dirty-rate", type=float, default=0.0, help="share of bad order rows (default 0)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=7200.0, help="give up on one import run after S s"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temp folders (files, SQLite database, rejects) and the PG database",
    )
    args = parser.parse_args(argv)
    if args.orders < 1 or args.customers < 1:
        parser.error("--orders and --customers must be positive")
    if not 0.0 <= args.dirty_rate <= 1.0:
        parser.error("--dirty-rate must be between 0 and 1")
    if args.data and not all((args.data / f).is_file() for f in ("Orders.csv", "Customers.csv")):
        parser.error(f"--data {args.data} must hold Orders.csv and Customers.csv")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the files, then benchmark each database asked for."""
    opts = parse_args(argv)
    kinds = ["sqlite", "postgres"] if opts.db == "both" else [opts.db]
    try:
        require_import_command(presslog_command())
    except BenchError as exc:
        print(f"legacy-bench: {exc}", file=sys.stderr)
        return 2
    gen_dir: Path | None = None
    gen: dict | None = None
    failed = 0
    try:
        if opts.data:
            data = opts.data
        else:
            gen_dir = Path(tempfile.mkdtemp(prefix="presslog-legacy-data-"))
            data = gen_dir
            log(f"generating {opts.orders:,} orders, {opts.customers:,} customers in {data}")
            gen = legacy_gen.generate(
                legacy_gen.Options(opts.orders, opts.customers, data, opts.seed, opts.dirty_rate)
            )
            log(f"generated in {gen['seconds']:.1f} s")
        for kind in kinds:
            try:
                report = bench_one(kind, opts, data, gen)
            except BenchError as exc:
                failed += 1
                print(f"legacy-bench: {kind}: {exc}", file=sys.stderr)
                if exc.detail:
                    print("  " + exc.detail.replace("\n", "\n  "), file=sys.stderr)
                continue
            print(report, flush=True)
            RESULTS_DIR.mkdir(exist_ok=True)
            out = RESULTS_DIR / f"legacy-{kind}-{opts.orders}.md"
            out.write_text(report)
            log(f"wrote {out.relative_to(BENCH_DIR.parent)}")
    finally:
        if gen_dir is not None:
            if opts.keep:
                log(f"kept the generated files in {gen_dir}")
            else:
                shutil.rmtree(gen_dir, ignore_errors=True)
    return 1 if failed else 0


def _terminate(signum: int, _frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C, so the import is stopped and temp files removed."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("legacy-bench: interrupted", file=sys.stderr)
        sys.exit(130)
