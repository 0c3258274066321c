"""The statements people answer, on a five-point scale from "strongly disagree" (1) to
"strongly agree" (5). Where each comes from is in docs/culture.md. A statement's key is
stored with every answer: keys never change; a reworded statement gets a new key."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    # A few words for table headers and charts.
    short: str


PULSE = [
    Statement(
        "raise-concerns",
        "I could raise concerns and questions during this incident without fear.",
        "Safe to speak up",
    ),
    Statement(
        "information-flowed",
        "I got the information I needed, when I needed it, during the response.",
        "Information flowed",
    ),
    Statement(
        "shared-responsibility",
        "Responsibility was shared: nobody was left to carry this alone.",
        "Shared responsibility",
    ),
    Statement(
        "system-focus",
        "The review focused on how our system made this possible, not on who did what.",
        "Review about the system",
    ),
    Statement(
        "mistakes-discussed",
        "Mistakes, including my own, could be talked about openly in the review.",
        "Mistakes discussed openly",
    ),
    Statement(
        "learned",
        "I learned something about our system from this incident and its review.",
        "Learned something",
    ),
]

# Westrum's organisational culture, in the wording of DORA's survey, so that the answers
# compare with the published research.
WESTRUM = [
    Statement("information-sought", "On my team, information is actively sought.", "Sought"),
    Statement(
        "messengers-safe",
        "On my team, messengers are not punished when they deliver news of failures or other "
        "bad news.",
        "Messengers safe",
    ),
    Statement("responsibilities-shared", "On my team, responsibilities are shared.", "Shared"),
    Statement(
        "collaboration-encouraged",
        "On my team, cross-functional collaboration is encouraged and rewarded.",
        "Collaboration",
    ),
    Statement("failure-inquiry", "On my team, failure causes inquiry.", "Inquiry"),
    Statement("new-ideas", "On my team, new ideas are welcomed.", "New ideas"),
]

SCALE = [
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
]
