"""Hostile form values: odd Unicode, huge and blank text, numbers as text, moments in every
format and order, and the ids of other teams' objects."""

from datetime import timedelta

from django.utils import timezone
from hypothesis import strategies as st

SPECIAL_TEXT = [
    "",
    " ",
    "\t\n \r\n",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e\u061c",  # RTL, LTR and Arabic marks
    "\ufeff",  # byte order mark
    "e\u0301\u0301\u0301\u0301",  # stacked combining accents
    "👩‍👩‍👧‍👦🏳️‍🌈",  # emoji joined with ZWJ
    "\u2028\u2029",  # line and paragraph separators
    "\x1b[31m\x07\x7f",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% now 'Y' %}",
    "' OR 1=1 --",
    "%00%ff",
    "ｆｕｌｌｗｉｄｔｈ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "null",
    "None",
    "[]",
    '{"a": 1}',
]

# Hypothesis's text never holds lone surrogates, which no form encoding can carry.
odd_characters = st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "So", "Mn", "Me", "Lo"])

texts = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=30),
    st.text(odd_characters, min_size=1, max_size=30),
    st.builds(
        lambda piece, count: piece * count,
        st.sampled_from(["x", "é", "😀", "\u202e", "\x00", " ", "\n", "a\u0301"]),
        st.integers(min_value=1_000, max_value=100_000),
    ),
)

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "1e309", "NaN", "inf", "-0", "1.5", "٣", "１２", " 7 ", "0x1f"]),
)

# Offsets as ISO 8601 allows them, beyond what PostgreSQL accepts (±15:59).
OFFSETS = ["", "Z", "+00:00", "+05:30", "-03:00", "+14:00", "-12:00", "+23:59", "-23:59"]
FAR_MOMENTS = [
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "0001-01-01T00:00-23:59",
    "1999-12-31T23:59",
    "2000-01-01T00:00",
    "9998-12-31T23:59-23:59",
    "9999-12-31T23:59",
    "9999-12-31T23:59-12:00",
    "9999-12-31T23:59:59.999999+23:59",
    "10000-01-01T00:00",
    "2026-02-30T10:00",
    "2026-13-01T10:00",
    "2026-01-01T24:00",
    "2026-01-01T10:61",
    "2026-01-01",
    "01/02/2026 10:00",
    "yesterday",
    "1e10",
]
FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%d/%m/%Y %H:%M"]
# Around now, so that several fields drawn from here come in every order: restored before
# impact started, resolved before restored, acknowledged before detected, in the future.
AGES = [
    timedelta(days=-2),
    timedelta(hours=-3),
    timedelta(minutes=-1),
    timedelta(0),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(hours=2, minutes=30),
    timedelta(days=3),
    timedelta(days=400),
]


def recent_moments() -> st.SearchStrategy[str]:
    now = timezone.localtime()
    return st.sampled_from([(now - age).strftime("%Y-%m-%dT%H:%M") for age in AGES])


def moments() -> st.SearchStrategy[str]:
    now = timezone.localtime()
    return st.one_of(
        recent_moments(),
        st.sampled_from(FAR_MOMENTS),
        st.builds(
            lambda age, fmt, offset: (now - age).strftime(fmt) + offset,
            st.sampled_from(AGES),
            st.sampled_from(FORMATS),
            st.sampled_from(OFFSETS),
        ),
    )


def dates() -> st.SearchStrategy[str]:
    today = timezone.localdate()
    return st.one_of(
        st.sampled_from(
            ["0001-01-01", "9999-12-31", "2026-02-29", "2026-02-30", "2024-02-29", "20260101"]
        ),
        st.integers(min_value=-800, max_value=800).map(
            lambda days: (today + timedelta(days=days)).isoformat()
        ),
    )


def wild(ids: list[str]) -> st.SearchStrategy[str]:
    """Anything at all, for any field."""
    return st.one_of(texts, numbers, moments(), dates(), st.sampled_from(ids))


def plausible(kind: str, offered: list[str]) -> st.SearchStrategy[str]:
    """What a browser could send for a field of this input type."""
    # What the page offers (options, hidden values, what is saved now) comes up most.
    choices = [st.sampled_from(offered)] * 3 if offered else []
    if kind == "datetime-local":
        choices.append(recent_moments())
    elif kind == "date":
        today = timezone.localdate()
        choices.append(
            st.integers(min_value=0, max_value=60).map(
                lambda days: (today + timedelta(days=days)).isoformat()
            )
        )
    elif kind == "number":
        choices.append(st.integers(min_value=0, max_value=500).map(str))
    elif kind == "url":
        choices.append(st.just("https://tracker.example.org/PAY-1"))
    elif kind in {"text", "textarea", "search", "password", "email", ""}:
        choices.append(st.sampled_from(["Queue depth alert", "The queue filled up.", "v42"]))
    if not choices:
        choices.append(st.just("on"))
    return st.one_of(choices)


def damaged(offered: list[str]) -> st.SearchStrategy[str]:
    """A hidden value as a proxy or a hand might change it: cut short, with a number that
    JSON reads as infinity, quoted otherwise, or with something after it."""
    values = [value for value in offered if value] or ["{}"]
    return st.builds(
        lambda value, damage: damage(value),
        st.sampled_from(values),
        st.sampled_from(
            [
                lambda value: value[: len(value) // 2],
                lambda value: value.replace("[", "[Infinity, ", 1).replace(": 1", ": 1e999", 1),
                lambda value: value.replace('"', "'"),
                lambda value: value + "x",
                lambda value: value.replace("+00:00", "+23:59"),
            ]
        ),
    )
