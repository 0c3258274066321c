"""settings.py as a deployer meets it: each case starts Debrief in a new process with only the
variables it names, so nothing from the test run or a CI machine leaks in."""

import json
import re
import secrets
import string

import pytest

from .processes import ROOT, SETTINGS_VARIABLES, clean_env, manage, run_python, settings_values


def random_secret_key() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))


def production(**variables: str) -> dict[str, str]:
    return {"DEBUG": "0", "SECRET_KEY": random_secret_key(), **variables}


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_starts_without_a_secret_key_in_development():
    result = manage("check")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("email", [{}, {"EMAIL_HOST": "smtp.example.org"}])
def test_deploy_check_passes_with_only_the_required_variables(email):
    result = manage("check", "--deploy", **production(ALLOWED_HOSTS="example.org", **email))
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "security.W" not in output


def test_https_hardening_is_on_by_default_when_debug_is_off():
    values = settings_values(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        **production(),
    )

    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_https_off_serves_a_plain_http_intranet():
    values = settings_values(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        **production(HTTPS="0"),
    )

    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_forwarded_proto_is_trusted_only_behind_a_proxy():
    assert settings_values("SECURE_PROXY_SSL_HEADER", **production()) == {
        "SECURE_PROXY_SSL_HEADER": None
    }
    assert settings_values("SECURE_PROXY_SSL_HEADER", **production(BEHIND_PROXY="1")) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]
    }


def test_secret_key_is_read_from_the_file_secret_key_file_names(tmp_path):
    key = random_secret_key()
    secret = tmp_path / "secret_key"
    secret.write_text(key + "\n")

    values = settings_values("SECRET_KEY", DEBUG="0", SECRET_KEY_FILE=str(secret))

    assert values == {"SECRET_KEY": key}


def test_a_postgres_database_url_selects_postgresql():
    values = settings_values("DATABASES", DATABASE_URL="postgres://u@h:5432/db")
    database = values["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["HOST"], database["PORT"]) == (
        "db",
        "u",
        "h",
        5432,
    )


def test_postgresql_connections_run_without_jit_keeping_the_url_s_own_options():
    url = "postgres://u@h:5432/db?options=-c%20statement_timeout%3D5000"
    values = settings_values("DATABASES", DATABASE_URL=url)

    options = values["DATABASES"]["default"]["OPTIONS"]["options"]
    assert options == "-c statement_timeout=5000 -c jit=off"


def test_jit_is_left_to_the_server_behind_a_pooler_that_refuses_startup_options():
    values = settings_values(
        "DATABASES", DATABASE_URL="postgres://u@h:5432/db", DATABASE_JIT_OFF="0"
    )

    assert "options" not in values["DATABASES"]["default"].get("OPTIONS", {})


def test_without_database_url_it_uses_sqlite_in_the_checkout():
    database = settings_values("DATABASES")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(ROOT / "db.sqlite3")


# The Celery app as the worker builds it, so the CELERY_ namespace wiring is covered too.
PRINT_CELERY = (
    "import json\n"
    "from django.conf import settings\n"
    "from debrief.celery import app\n"
    "print(json.dumps({'cache': settings.CACHES['default'],"
    " 'broker': app.conf.broker_url, 'backend': app.conf.result_backend,"
    " 'eager': app.conf.task_always_eager}))"
)


def test_redis_url_configures_the_cache_and_a_real_celery_broker():
    result = run_python("-c", PRINT_CELERY, env=clean_env(REDIS_URL="redis://cache:6379/2"))
    assert result.returncode == 0, result.stderr

    assert json.loads(result.stdout) == {
        "cache": {
            "BACKEND": "debrief.cache.TolerantRedisCache",
            "LOCATION": "redis://cache:6379/2",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        },
        "broker": "redis://cache:6379/2",
        "backend": "redis://cache:6379/2",
        "eager": False,
    }


def test_without_redis_tasks_run_eagerly_and_the_cache_is_in_memory():
    result = run_python("-c", PRINT_CELERY, env=clean_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)

    assert values["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["eager"] is True


def test_an_invalid_boolean_is_refused_by_name():
    result = manage("check", DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean (1/0, true/false), not 'maybe'" in result.stderr


def test_an_invalid_number_is_refused_by_name():
    result = manage("check", INCIDENTS_PER_PAGE="lots")

    assert result.returncode != 0
    assert "INCIDENTS_PER_PAGE must be a whole number, not 'lots'" in result.stderr


def test_every_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", readme, flags=re.MULTILINE))

    assert SETTINGS_VARIABLES
    assert set(SETTINGS_VARIABLES) - documented == set()
