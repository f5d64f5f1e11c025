"""The repository's maintenance files say what the project does: the changelog's form, the
version in one place, Renovate, the CI workflow, pre-commit, and the documents' links and
commands."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient

import presslog
from presslog import __version__
from presslog.cli import cli as presslog_cli

ROOT = Path(__file__).resolve().parents[2]

# https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
KEEP_A_CHANGELOG_SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def read(path: str) -> str:
    """The text of a file in the repository."""
    return (ROOT / path).read_text(encoding="utf-8")


def dev_tools() -> set[str]:
    """The package names listed in requirements/dev.in."""
    names = set()
    for line in read("requirements/dev.in").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower())
    return names


# -- CHANGELOG.md and the version -------------------------------------------------------


def changelog_headings(text: str) -> list[tuple[str, str]]:
    """(label, rest of the line) of every ``## [label] …`` heading, in order."""
    return re.findall(r"^## \[([^\]]+)\](.*)$", text, flags=re.MULTILINE)


def check_changelog(text: str) -> list[str]:
    """What is wrong with ``text`` as a Keep a Changelog file with SemVer versions."""
    problems = []
    if not text.startswith("# Changelog\n"):
        problems.append("the first line is not '# Changelog'")
    for line in re.findall(r"^## .*$", text, flags=re.MULTILINE):
        if not re.match(r"^## \[[^\]]+\]", line):
            problems.append(f"a version heading without [brackets]: {line!r}")
    headings = changelog_headings(text)
    if not headings or headings[0][0] != "Unreleased":
        problems.append("the first version heading is not '## [Unreleased]'")
    if [label for label, _ in headings].count("Unreleased") > 1:
        problems.append("more than one [Unreleased] section")
    releases = []
    for label, rest in headings[1:]:
        if not SEMVER.match(label):
            problems.append(f"version {label!r} is not SemVer")
            continue
        if not re.fullmatch(r" - \d{4}-\d{2}-\d{2}( \[YANKED\])?", rest):
            problems.append(f"version {label} has no ' - YYYY-MM-DD' date")
        releases.append(tuple(int(p) for p in label.split("-")[0].split("+")[0].split(".")))
    if releases != sorted(releases, reverse=True) or len(set(releases)) != len(releases):
        problems.append("versions are not listed newest first, each once")
    for section in re.findall(r"^### (.*)$", text, flags=re.MULTILINE):
        if section.strip() not in KEEP_A_CHANGELOG_SECTIONS:
            problems.append(f"section {section!r} is not one of Keep a Changelog's")
    labels = {label for label, _ in headings}
    references = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, flags=re.MULTILINE))
    version_refs = {label for label in references if label in labels}
    if version_refs and version_refs != labels:
        problems.append(f"link references missing for {sorted(labels - version_refs)}")
    for label, url in references.items():
        if not url.startswith("https://"):
            problems.append(f"link reference [{label}] is not an https URL")
    return problems


def test_changelog_follows_keep_a_changelog_with_semver_versions() -> None:
    text = read("CHANGELOG.md")
    assert check_changelog(text) == []
    assert "https://keepachangelog.com/" in text
    assert "https://semver.org/" in text
    releases = [label for label, _ in changelog_headings(text)[1:]]
    if releases:  # the newest release is the version the code says it is, or older
        newest = tuple(int(p) for p in releases[0].split("-")[0].split("+")[0].split("."))
        assert newest <= tuple(int(p) for p in __version__.split("-")[0].split("."))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# Changelog\n\n## [1.0.0] - 2026-01-01\n", "first version heading"),
        ("# Changelog\n\n## [Unreleased]\n\n## [1.0] - 2026-01-01\n", "not SemVer"),
        ("# Changelog\n\n## [Unreleased]\n\n## [1.0.0]\n", "no ' - YYYY-MM-DD' date"),
        (
            "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-01-01\n\n"
            "## [1.1.0] - 2026-02-01\n",
            "newest first",
        ),
        ("# Changelog\n\n## [Unreleased]\n\n### Improvements\n", "Keep a Changelog's"),
        ("# Changelog\n\n## Unreleased\n", "without [brackets]"),
        (
            "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-01-01\n\n"
            "[1.0.0]: https://example.com/v1.0.0\n",
            "link references missing",
        ),
    ],
)
def test_changelog_check_finds_each_kind_of_mistake(text: str, problem: str) -> None:
    assert any(problem in found for found in check_changelog(text)), check_changelog(text)


def test_a_well_formed_release_passes_the_check() -> None:
    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n- x\n\n"
        "## [1.2.0-rc.1] - 2026-03-01\n\n### Fixed\n- y\n\n## [1.1.0] - 2026-02-01\n\n"
        "[Unreleased]: https://example.com/compare/v1.2.0-rc.1...HEAD\n"
        "[1.2.0-rc.1]: https://example.com/v1.2.0-rc.1\n[1.1.0]: https://example.com/v1.1.0\n"
    )
    assert check_changelog(text) == []


def test_the_version_lives_in_one_place() -> None:
    assert SEMVER.match(__version__), __version__
    pyproject = read("pyproject.toml")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "presslog.__version__" }' in pyproject
    package = Path(presslog.__file__).parent
    assignments = [
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*.py")
        if re.search(r"^__version__\s*=", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    ]
    assert assignments == ["presslog/__init__.py"]
    # The image label's default must not drift (builds pass --build-arg VERSION anyway).
    dockerfile_default = re.search(r"^ARG VERSION=(\S+)$", read("Dockerfile"), re.MULTILINE)
    assert dockerfile_default is None or dockerfile_default.group(1) == __version__


def test_the_version_is_shown_in_the_footer_and_by_healthz(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", page.get_data(as_text=True), re.DOTALL)
    assert footer is not None
    assert f"PressLog {__version__}" in footer.group(1)
    assert client.get("/healthz").get_json()["version"] == __version__


# -- renovate.json -----------------------------------------------------------------------


def _pattern(text: str) -> re.Pattern[str]:
    assert re.fullmatch(r"/.+/", text), f"not a /regex/: {text}"
    return re.compile(text[1:-1])


def test_renovate_config_groups_schedules_maintains_locks_and_automerges_only_dev_patches() -> None:
    config: dict[str, Any] = json.loads(read("renovate.json"))
    for key in ("extends", "schedule", "timezone", "lockFileMaintenance", "packageRules"):
        assert key in config, key
    assert config["schedule"]
    assert all(isinstance(s, str) for s in config["schedule"])
    assert config["lockFileMaintenance"]["enabled"] is True
    assert config["lockFileMaintenance"].get("automerge", False) is False
    assert config.get("automerge", False) is False

    lock_patterns = [_pattern(p) for p in config["pip-compile"]["managerFilePatterns"]]
    for lock in ("requirements/main.txt", "requirements/dev.txt"):
        assert (ROOT / lock).exists()
        assert any(p.search(lock) for p in lock_patterns), lock
        assert "uv pip compile" in read(lock).splitlines()[1], lock

    rules = config["packageRules"]
    groups = {rule["groupName"] for rule in rules if "groupName" in rule}
    assert len(groups) >= 3, groups

    automerging = [rule for rule in rules if rule.get("automerge")]
    assert len(automerging) == 1
    (rule,) = automerging
    assert rule["matchUpdateTypes"] == ["patch"]
    assert rule["matchFileNames"] == ["requirements/dev.txt"]
    assert {name.lower() for name in rule["matchPackageNames"]} == dev_tools()
    runtime = {"flask", "sqlalchemy", "psycopg", "argon2-cffi", "gunicorn"}
    assert not runtime & {name.lower() for name in rule["matchPackageNames"]}


# -- .github/workflows/ci.yml -------------------------------------------------------------


def _workflow() -> dict[Any, Any]:
    workflow = yaml.safe_load(read(".github/workflows/ci.yml"))
    assert isinstance(workflow, dict)
    return workflow


def _run_lines(job: dict[str, Any]) -> list[str]:
    """The shell lines of a job's steps, continuation lines joined, comments left out."""
    text = "\n".join(step.get("run", "") for step in job["steps"])
    text = re.sub(r"\\\n\s*", " ", text)
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def readme_test_command() -> str:
    """The test command the README gives a newcomer."""
    match = re.search(r"^(make test)\b", read("README.md"), flags=re.MULTILINE)
    assert match, "README.md names no test command"
    return match.group(1)


def test_workflow_mirrors_ci_run_and_runs_the_readme_test_command() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push"} <= set(triggers)
    test_job = workflow["jobs"]["test"]
    lines = _run_lines(test_job)

    assert readme_test_command() in lines
    ci_run_makes = re.findall(r"^make \w+$", read(".ci/run"), flags=re.MULTILINE)
    assert ci_run_makes == ["make install", "make lint", "make test"]
    assert [line for line in lines if re.fullmatch(r"make \w+", line)] == ci_run_makes

    assert {"postgres", "redis"} <= set(test_job["services"])
    assert test_job["env"]["CI"] == "true"
    assert test_job["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    installs = " ".join(line for line in lines if re.search(r"\bapt-get .*\binstall\b", line))
    for package in ("chromium", "prometheus", "caddy"):  # the Debian tools .ci/run installs
        assert re.search(rf"\b{package}\b", installs), package
        assert re.search(rf"\b{package}\b", read(".ci/run")), package


def test_workflow_audits_both_lock_files_strictly_and_every_package_json() -> None:
    audit = _workflow()["jobs"]["audit"]
    lines = _run_lines(audit)
    commands = " ".join(lines)
    (pip_audit,) = [line for line in lines if line.startswith("pip-audit ")]
    args = shlex.split(pip_audit)
    assert "--strict" in args
    assert "--require-hashes" in args
    assert {"requirements/main.txt", "requirements/dev.txt"} <= set(args)
    # Each Node package of the repository (today only the Lighthouse test tool) is
    # audited from its lock file, and the guard fails on any other package.json.
    packages = [
        path.parent.relative_to(ROOT)
        for path in ROOT.rglob("package.json")
        if "node_modules" not in path.parts and ".venv" not in path.parts
    ]
    assert packages == [Path("tools/lighthouse")]
    for folder in packages:
        assert (ROOT / folder / "package-lock.json").is_file()
        assert f"npm audit --prefix {folder}" in commands
    assert "git ls-files '*package.json'" in commands


# -- .pre-commit-config.yaml ----------------------------------------------------------------


def test_pre_commit_runs_ruff_lint_and_format_and_mypy() -> None:
    config = yaml.safe_load(read(".pre-commit-config.yaml"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = {hook["id"]: hook.get("entry", hook["id"]) for hook in hooks}
    assert "ruff check" in entries["ruff-check"]
    assert "ruff format" in entries["ruff-format"]
    assert "mypy" in entries["mypy"]
    for hook in hooks:
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), tool  # the pinned tools, as `make lint` uses
        assert tool.removeprefix(".venv/bin/") in dev_tools()


# -- documents: links, commands and the vendored files ------------------------------------

MAINTENANCE_DOCS = [
    "README.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
    "docs/troubleshooting.md",
    "docs/dependencies.md",
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "adr").glob("*.md")),
]


def test_readme_links_the_maintenance_documents() -> None:
    readme = read("README.md")
    for target in ("CONTRIBUTING.md", "SECURITY.md", "docs/troubleshooting.md", "docs/schema.md"):
        assert f"]({target})" in readme, target


@pytest.mark.parametrize("document", MAINTENANCE_DOCS)
def test_relative_links_lead_to_files_that_exist(document: str) -> None:
    base = (ROOT / document).parent
    for target in re.findall(r"\]\(([^)\s]+)\)", read(document)):
        if re.match(r"^[a-z]+:|^#", target):
            continue
        path = (base / target.split("#", 1)[0]).resolve()
        assert path.exists(), f"{document} links to {target}, which does not exist"


def test_adr_records_are_numbered_in_order_with_the_four_parts() -> None:
    records = sorted((ROOT / "docs" / "adr").glob("*.md"))
    numbers = [int(p.name.split("-", 1)[0]) for p in records]
    assert numbers == list(range(1, len(records) + 1))
    for path in records:
        if int(path.name[:4]) < 6:
            continue
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"# {int(path.name[:4])}. ")
        for part in ("## Context", "## Decision", "## Alternatives rejected", "## Consequences"):
            assert part in text, (path.name, part)


def _commands(app: Flask) -> dict[str, click.Command]:
    ctx = click.Context(presslog_cli, obj=ScriptInfo(create_app=lambda: app))
    with ctx:
        names = presslog_cli.list_commands(ctx)
        return {name: command for name in names if (command := presslog_cli.get_command(ctx, name))}


@pytest.mark.parametrize(
    "document", ["README.md", "CONTRIBUTING.md", "docs/troubleshooting.md", "docs/dependencies.md"]
)
def test_presslog_commands_in_the_documents_exist(app: Flask, document: str) -> None:
    commands = _commands(app)
    used = re.findall(r"\bpresslog ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", read(document))
    assert used or document == "docs/dependencies.md"
    for words in used:
        name, _, sub = words.partition(" ")
        if name not in commands:
            # prose such as "presslog command" or "presslog worker" as a process name
            assert name in {"command", "commands"}, f"{document}: presslog {name} does not exist"
            continue
        command = commands[name]
        if isinstance(command, click.Group) and sub:
            assert sub in command.commands, f"{document}: presslog {name} {sub} does not exist"


def _version_in(path: Path, pattern: str) -> str:
    match = re.search(pattern, path.read_text(encoding="utf-8"))
    assert match, f"no version in {path}"
    return match.group(1)


def test_vendored_front_end_versions_match_docs_dependencies() -> None:
    vendor = ROOT / "presslog" / "static" / "vendor"
    found = {
        "Bootstrap": _version_in(
            vendor / "bootstrap" / "bootstrap.min.css", r"Bootstrap\s+v(\d+\.\d+\.\d+)"
        ),
        "@popperjs/core": _version_in(
            vendor / "bootstrap" / "popper.min.js", r"@popperjs/core v(\d+\.\d+\.\d+)"
        ),
        "htmx.org": _version_in(vendor / "htmx" / "htmx.min.js", r'version:"(\d+\.\d+\.\d+)"'),
    }
    swagger = vendor / "swagger-ui" / "swagger-ui-bundle.js"
    if swagger.exists():
        found["swagger-ui-dist"] = _version_in(swagger, r'PACKAGE_VERSION:"(\d+\.\d+\.\d+)"')
    table = read("docs/dependencies.md")
    for package, version in found.items():
        assert f"| {package} {version} " in table, (package, version)
    for path in vendor.rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert f"`{path.relative_to(vendor).as_posix()}`" in table, path
