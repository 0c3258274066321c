"""What a page loads: the addresses of its scripts and stylesheets."""

import re

ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", re.IGNORECASE)


def asset_addresses(html: str) -> list[str]:
    """The src of every script and the href of every link element, in page order."""
    return ASSET.findall(html)


def loaded_from_elsewhere(html: str) -> list[str]:
    """The assets a page loads from another site (a CDN, say) rather than from Debrief's own
    static files. A word searched for in the whole page would also be found in the random
    tokens it carries (a CSRF token once held "cdn")."""
    return [
        address
        for address in asset_addresses(html)
        if not address.startswith("/") or address.startswith("//")
    ]
