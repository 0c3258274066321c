"""Run Debrief in a fresh Python process with exactly the environment a test names.

Settings are read once, at import, from the environment; so a test of what a variable does
starts a new process rather than reloading settings inside the test run.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Every variable settings.py reads; each may also come from NAME_FILE.
SETTINGS_VARIABLES = sorted(
    set(
        re.findall(
            r'\benv(?:bool|int|list)?\(\s*"([A-Z][A-Z0-9_]*)"',
            (ROOT / "debrief" / "settings.py").read_text(),
        )
    )
)

_DROPPED_PREFIXES = ("DJANGO_", "CELERY_", "CI_", "GITHUB_")

_PRINT_SETTINGS = (
    "import json, sys\n"
    "from django.conf import settings\n"
    "print(json.dumps({name: getattr(settings, name, None) for name in sys.argv[1:]},"
    " default=str))"
)


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without anything that configures Debrief or marks CI,
    plus the given variables."""
    dropped = {*SETTINGS_VARIABLES, *(f"{name}_FILE" for name in SETTINGS_VARIABLES), "CI"}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith(_DROPPED_PREFIXES)
    }
    env["DJANGO_SETTINGS_MODULE"] = "debrief.settings"
    return env | variables


def run_python(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` in the repository with a clean environment plus VARIABLES."""
    return run_python("manage.py", *args, env=clean_env(**variables))


def settings_values(*names: str, **variables: str) -> dict:
    """The named settings as a fresh process sees them under a clean environment plus
    VARIABLES."""
    result = run_python("-c", _PRINT_SETTINGS, *names, env=clean_env(**variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
