"""docker-compose.yml, the Dockerfile and .dockerignore, checked without Docker: every command
names something that exists, the services find each other, and the image's build steps run."""

import fnmatch
import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from celery.app.utils import find_app
from django.core.management import get_commands
from django.urls import resolve
from gunicorn.util import import_app

import debrief
from debrief import views
from debrief.celery import app as celery_app

from .processes import ROOT, SETTINGS_VARIABLES, clean_env, run_python

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "beat"]
VENV_BIN = Path(sys.executable).parent

# A production .env as the README describes it.
DOTENV = {
    "SECRET_KEY": "k3ep-th1s-out-of-version-control-and-make-it-long-enough-0123456789",
    "POSTGRES_PASSWORD": "Postgres0Password1For2Tests",
    "ALLOWED_HOSTS": "debrief.example.org",
    "SITE_URL": "https://debrief.example.org",
    "EMAIL_HOST": "smtp.example.org",
}


class MissingVariable(Exception):
    """A required ${VAR:?message} that the environment does not set."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} substitution."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.group(1, 2, 3)
        value = env.get(name, "")
        if operator == ":?" and not value:
            raise MissingVariable(f"{name}: {argument}")
        if operator == ":-" and not value:
            return argument
        return value

    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", substitute, text)


def environment(service: str, env: dict[str, str] = DOTENV) -> dict[str, str]:
    return {
        name: interpolate(str(value), env)
        for name, value in SERVICES[service]["environment"].items()
    }


def shell_steps(service: str) -> list[list[str]]:
    """The service's command as argument lists, one for each `&&`-joined step."""
    command = SERVICES[service]["command"]
    if isinstance(command, list) and command[:2] == ["sh", "-c"]:
        command = command[2]
    if isinstance(command, list):
        return [command]
    steps = [shlex.split(step) for step in command.split("&&")]
    return [step[1:] if step[0] == "exec" else step for step in steps]


def web_healthcheck_code() -> str:
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    return test[3]


# The compose file


def test_it_defines_the_five_services():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis"}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_build_from_the_projects_dockerfile(service):
    build = SERVICES[service]["build"]

    assert (ROOT / build["context"]).resolve() == ROOT
    assert build["dockerfile"] == "Dockerfile"
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_web_migrates_then_serves_the_wsgi_application_with_gunicorn():
    migrate, serve = shell_steps("web")

    assert migrate == ["python", "manage.py", "migrate", "--noinput"]
    assert "migrate" in get_commands()
    assert serve[0] == "gunicorn"
    assert (VENV_BIN / "gunicorn").is_file()
    assert serve[1] == "debrief.wsgi:application"
    assert callable(import_app(serve[1]))
    assert serve[serve.index("--bind") + 1] == "0.0.0.0:8000"


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_worker_and_beat_run_the_debrief_celery_app(service):
    (command,) = shell_steps(service)

    assert command[:4] == ["celery", "-A", "debrief", service]
    assert (VENV_BIN / "celery").is_file()
    assert find_app(command[2]) is celery_app
    assert debrief.celery_app is celery_app


def test_web_healthcheck_requests_healthz():
    url = re.search(r"http://[^'\"]+", web_healthcheck_code()).group()

    assert urlsplit(url).netloc == "127.0.0.1:8000"
    assert resolve(urlsplit(url).path).func is views.healthz


def test_web_healthcheck_passes_against_a_running_server(live_server, settings):
    # Production answers only to ALLOWED_HOSTS, so the check must send one of them.
    settings.ALLOWED_HOSTS = ["debrief.example.org"]
    settings.REDIS_URL = ""
    code = web_healthcheck_code().replace("http://127.0.0.1:8000", live_server.url)

    healthy = run_python("-c", code, env=clean_env(ALLOWED_HOSTS="debrief.example.org"))

    assert healthy.returncode == 0, healthy.stderr


def test_web_healthcheck_fails_when_healthz_does(live_server, settings):
    settings.ALLOWED_HOSTS = ["debrief.example.org"]
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    code = web_healthcheck_code().replace("http://127.0.0.1:8000", live_server.url)

    unhealthy = run_python("-c", code, env=clean_env(ALLOWED_HOSTS="debrief.example.org"))

    assert unhealthy.returncode != 0
    assert "503" in unhealthy.stderr


@pytest.mark.parametrize("service", APP_SERVICES)
def test_database_url_points_at_the_postgres_service(service):
    database = urlsplit(environment(service)["DATABASE_URL"])
    postgres = environment("postgres")

    assert database.scheme == "postgres"
    assert database.hostname == "postgres"
    assert database.port == 5432
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"] == DOTENV["POSTGRES_PASSWORD"]
    assert database.path == "/" + postgres["POSTGRES_DB"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_redis_url_points_at_the_redis_service(service):
    redis = urlsplit(environment(service)["REDIS_URL"])

    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_run_in_production_mode(service):
    env = environment(service)

    assert env["DEBUG"] == "0"
    assert env["SECRET_KEY"] == DOTENV["SECRET_KEY"]
    assert env["ALLOWED_HOSTS"] == DOTENV["ALLOWED_HOSTS"]
    assert {"CSRF_TRUSTED_ORIGINS", "HTTPS", "BEHIND_PROXY"} <= set(env)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_pass_only_variables_that_settings_read(service):
    # WEB_CONCURRENCY is gunicorn's own: its number of worker processes.
    unknown = set(environment(service)) - set(SETTINGS_VARIABLES) - {"WEB_CONCURRENCY"}

    assert unknown == set()


@pytest.mark.parametrize("variable", ["SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"])
def test_compose_refuses_to_start_without_a_required_variable(variable):
    env = {name: value for name, value in DOTENV.items() if name != variable}
    text = (ROOT / "docker-compose.yml").read_text()

    with pytest.raises(MissingVariable, match=variable):
        interpolate(text, env)


def test_app_services_wait_for_healthy_postgres_and_redis():
    for service in APP_SERVICES:
        depends_on = SERVICES[service]["depends_on"]
        for dependency in ["postgres", "redis"]:
            assert depends_on[dependency] == {"condition": "service_healthy"}, service
    for service in ["worker", "beat"]:
        # Web runs the migrations; tasks wait for the schema.
        assert SERVICES[service]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_every_awaited_service_has_a_healthcheck():
    awaited = {
        dependency
        for service in SERVICES.values()
        for dependency, rule in service.get("depends_on", {}).items()
        if rule["condition"] == "service_healthy"
    }

    assert awaited == {"postgres", "redis", "web"}
    for service in awaited:
        assert SERVICES[service]["healthcheck"]["test"], service


def test_postgres_and_redis_healthchecks():
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_postgres_keeps_its_data_in_a_named_volume():
    volume, target = SERVICES["postgres"]["volumes"][0].split(":")

    assert volume in COMPOSE["volumes"]
    assert target == "/var/lib/postgresql/data"


def test_web_publishes_port_8000():
    (port,) = SERVICES["web"]["ports"]

    assert interpolate(port, {}) == "127.0.0.1:8000:8000"
    assert interpolate(port, {"WEB_BIND": "0.0.0.0:8000"}) == "0.0.0.0:8000:8000"


def test_the_compose_environment_configures_postgres_redis_and_the_proxy():
    env = clean_env(**environment("web"))
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
        " 'cache': settings.CACHES['default']['BACKEND'],"
        " 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
        " 'proxy': settings.SECURE_PROXY_SSL_HEADER,"
        " 'redirect': settings.SECURE_SSL_REDIRECT,"
        " 'time_zone': settings.TIME_ZONE, 'from': settings.DEFAULT_FROM_EMAIL}))"
    )

    result = run_python("-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.postgresql",
        "cache": "debrief.cache.TolerantRedisCache",
        "eager": False,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
        "time_zone": "UTC",
        "from": "Debrief <debrief@localhost>",
    }


def test_the_compose_environment_passes_the_deploy_check():
    result = run_python("manage.py", "check", "--deploy", env=clean_env(**environment("web")))
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "System check identified no issues" in output


# The Dockerfile and its build context


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps this path (or a folder holding it) out of the context."""
    parts = relative.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch("/".join(parts[i:]), pattern[3:]) for i in range(len(parts))):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1)):
            return True
    return False


def run_steps() -> list[str]:
    return [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]


def test_image_is_python_3_12_slim():
    keyword, image = dockerfile_instructions()[0]

    assert (keyword, image) == ("FROM", "python:3.12-slim")


def test_image_installs_the_project_without_dev_extras():
    (install,) = [step for step in run_steps() if "pip install" in step]

    assert re.search(r"pip install \.(\s|$)", install)
    assert "[dev]" not in install


def test_image_collects_static_files_for_production():
    (collect,) = [step for step in run_steps() if "collectstatic" in step]

    assert "DEBUG=0" in collect
    assert "SECRET_KEY=" in collect
    assert "--noinput" in collect


def test_image_runs_as_an_unprivileged_user():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    last_user = len(keywords) - 1 - keywords[::-1].index("USER")
    user = instructions[last_user][1]
    collect = next(
        i for i, (_, arguments) in enumerate(instructions) if "collectstatic" in arguments
    )

    assert user not in {"root", "0"}
    assert any(re.search(rf"useradd .*\b{user}$", step) for step in run_steps())
    # Code and static files are written as root, so the app cannot rewrite them.
    assert last_user > collect


def test_image_exposes_port_8000():
    assert ("EXPOSE", "8000") in dockerfile_instructions()


def test_dockerignore_keeps_local_state_and_secrets_out():
    patterns = dockerignore_patterns()

    for path in [".env", ".git/HEAD", ".venv/bin/python", "db.sqlite3", "staticfiles/x.css"]:
        assert is_ignored(path, patterns), path
    for path in ["incidents/__pycache__/models.cpython-312.pyc", "debrief/settings.pyc"]:
        assert is_ignored(path, patterns), path


def test_dockerignore_keeps_what_the_image_needs():
    patterns = dockerignore_patterns()
    needed = ["pyproject.toml", "README.md", "manage.py", "templates/base.html"]
    needed += [f"{package}/__init__.py" for package in ["debrief", "incidents", "learning"]]

    for path in needed:
        assert (ROOT / path).exists(), path
        assert not is_ignored(path, patterns), path


@pytest.fixture(scope="module")
def build_context(tmp_path_factory) -> Path:
    """A copy of what `docker build` would send: the checkout minus .dockerignore."""
    patterns = dockerignore_patterns()
    context = tmp_path_factory.mktemp("context")

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(ROOT).as_posix()
        prefix = "" if relative == "." else relative + "/"
        return {name for name in names if is_ignored(prefix + name, patterns)}

    shutil.copytree(ROOT, context, ignore=ignore, dirs_exist_ok=True)
    return context


def test_the_collectstatic_step_succeeds_in_the_build_context(build_context):
    (collect,) = [step for step in run_steps() if "collectstatic" in step]
    words = shlex.split(collect.split("&&")[0])
    variables = dict(word.split("=", 1) for word in words if re.match(r"[A-Z_]+=", word))
    command = [word for word in words if not re.match(r"[A-Z_]+=", word)]
    assert command[:2] == ["python", "manage.py"]

    result = run_python(*command[1:], env=clean_env(**variables), cwd=build_context)

    assert result.returncode == 0, result.stderr
    assert (build_context / "staticfiles" / "staticfiles.json").is_file()
    assert not (build_context / "db.sqlite3").exists()
