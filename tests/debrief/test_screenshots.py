"""The README's screenshots match the current pages: `make screenshots` takes them again."""

import json
import re

from tests.screenshots import DIRECTORY, MANIFEST, PICTURES, ROOT, shown_files_digest

STALE = "The screenshots are older than the templates or static files: run `make screenshots`."


def test_the_screenshots_were_taken_of_the_current_templates_and_static_files():
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["shows"] == shown_files_digest(), STALE
    assert list(manifest["pictures"]) == PICTURES, STALE


def test_the_readme_shows_every_screenshot_and_only_those():
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"\(docs/screenshots/([\w-]+)\.png\)", readme)
    assert sorted(shown) == sorted(PICTURES)
    for name in PICTURES:
        picture = DIRECTORY / f"{name}.png"
        assert picture.read_bytes().startswith(b"\x89PNG"), picture
