"""How Debrief names people, everywhere: pages, emails, calendars, exported text."""


def display_name(user) -> str:
    """A person's full name, else their username; "" for nobody (a deleted account)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def actor_name(user) -> str:
    """The name of whoever did something: Debrief itself when no person did (or the account
    is gone), as in timeline events the system records."""
    return display_name(user) or "Debrief"
