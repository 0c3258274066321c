"""Where the README's screenshots live and what they show (tests/browser/screenshots.py takes
them; tests/debrief/test_screenshots.py checks they are current)."""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRECTORY = ROOT / "docs" / "screenshots"
MANIFEST = DIRECTORY / "manifest.json"
# The pictures, in the order the README shows them.
PICTURES = [
    "home",
    "incidents",
    "incident",
    "postmortem-editor",
    "postmortem-published",
    "follow-ups",
    "team-learning",
    "organisation-learning",
    "incident-phone-dark",
]
# What the pictures show: a change to any of these files changes the pages' look.
SHOWN = ["templates", "static"]


def shown_files_digest() -> str:
    """One SHA-256 over the path and content of every template and static file."""
    digest = hashlib.sha256()
    for top in SHOWN:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
