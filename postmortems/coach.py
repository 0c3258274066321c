"""The blameless writing coach: finds blameful wording in a postmortem's Markdown and offers a
system-focused way to say it.

`find_flags` is a pure function of the text, the lexicon and the people's names; `coach_text`
loads those two from the database. The rules, in the order they apply:

1. What is not the writer's own framing is skipped: fenced code blocks (``` and ~~~), indented
   code blocks (four spaces or a tab after a blank line), inline `code` spans, blockquote lines
   ("> ..."), lines that look like log output (an ISO date with a time to the second or a "T",
   a level such as "[ERROR]" or "ERROR:", or logfmt's "level="), and text in double quotes
   ("..." or “...”). A timeline entry such as "2024-03-01 10:02 Bob ..." is narrative, not a
   log line, so it is still coached. Technical terms that contain lexicon words are skipped
   too: "git blame", "root cause analysis", "segmentation fault", "fault tolerance" and so on.
2. Lexicon terms match in any case, with any run of spaces, a single line break or a hyphen
   between their words ("human-error", "should  have"), straight or curly apostrophes, and
   contractions ("should've", "didn't", "wasn't"). They never match inside a longer word or a
   hyphenated compound: "adjust", "default", "blameless", "blame-free", "unforgettable".
   A "word" term also matches the inflections of each content word (forgot, forgets, forgetting,
   forgotten; careless, carelessly, carelessness) and, for an article inside it, any determiner
   or none ("ignored warnings", "ignored their warning").
3. A few terms are blameful in one sense only, and a context rule keeps the other sense quiet:
   "just" flags as a minimiser ("just restart it", "just a typo") but not in time or quantity
   ("just now", "just before", "just in time", "just 5 minutes", "had just joined"), in
   "not just", or in "just culture"; "if only" is not flagged before a quantity ("if only one
   replica is up"); "clearly" and "obviously" are not flagged after a negation or degree word
   ("not obviously wrong", "more clearly labelled"); "root cause" flags in the singular unless
   negated ("there was no single root cause"); "should have" is not flagged when it means
   possession ("the runbook should have a rollback step"); "blame" is not flagged in
   "no blame" or "without blame".
4. A person's name (first name, full name or username, any case, also "Bob's") is flagged when
   it is the subject of a failure: followed, after at most a few adverbs or auxiliaries (or,
   after a possessive, a noun or two: "Bob's change broke"), by a failure verb such as broke,
   forgot, missed, deleted, didn't or should have; or directly by a blame noun ("Bob's
   mistake"); or as the agent of a failure ("caused by Bob"). "Alice restored service" and
   "Bob paged the database team" are not flagged.
5. Overlapping matches are resolved in favour of the longer one; flags come back in order.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from django.contrib.auth.models import User

from .models import CoachTerm


@dataclass(frozen=True)
class Term:
    """One lexicon entry, as the matcher needs it."""

    phrase: str
    match: str = CoachTerm.MatchKind.WORD
    suggestion: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Flag:
    """A passage the coach flags; start and end are offsets into the original text."""

    start: int
    end: int
    text: str
    phrase: str
    suggestion: str
    explanation: str


PERSON_SUGGESTION = (
    "Describe what the person saw and why the action made sense at the time, and what in the "
    "system allowed it — not who did it."
)
PERSON_EXPLANATION = (
    "Naming someone as the subject of a failure turns the review into a verdict: people stop "
    "sharing what they knew, and the conditions that set them up stay in place."
)


@dataclass(frozen=True)
class Lexicon:
    """What the coach reads text against: the active terms and the active users' names."""

    terms: tuple[Term, ...]
    people: tuple[str, ...]


def load_lexicon() -> Lexicon:
    """The active lexicon and the names of the active users, in two queries."""
    terms = tuple(
        Term(phrase=phrase, match=match, suggestion=suggestion, explanation=explanation)
        for phrase, match, suggestion, explanation in CoachTerm.objects.filter(
            is_active=True
        ).values_list("phrase", "match", "suggestion", "explanation")
    )
    people = []
    for username, first_name, last_name in User.objects.filter(is_active=True).values_list(
        "username", "first_name", "last_name"
    ):
        people += [first_name, f"{first_name} {last_name}".strip(), username]
    return Lexicon(terms=terms, people=tuple(name for name in people if len(name) >= 3))


def coach_text(text: str, *, lexicon: Lexicon | None = None) -> list[Flag]:
    """Flag `text` against the active lexicon and the active users' names: two queries, or
    none when the caller coaching several texts passes the `lexicon` it loaded once.

    Nothing is cached between requests, so an admin's change to the lexicon applies at once;
    only the regular expressions built from it are, keyed by the terms and names themselves."""
    lexicon = lexicon or load_lexicon()
    return find_flags(text, terms=lexicon.terms, people=lexicon.people)


def find_flags(text: str, *, terms: Sequence[Term], people: Sequence[str]) -> list[Flag]:
    """The passages of `text` that match a lexicon term or name a person as the subject of a
    failure, without overlaps and ordered by position. See the module docstring for the rules."""
    visible = _hide_what_is_not_the_writers_framing(text)
    flags = []
    for term in terms:
        pattern = _term_pattern(term.phrase, term.match)
        if pattern is None:
            continue
        applies = _context_rule(term.phrase)
        for found in pattern.finditer(visible):
            if applies(visible, found.start(), found.end()):
                flags.append(
                    Flag(
                        start=found.start(),
                        end=found.end(),
                        text=text[found.start() : found.end()],
                        phrase=term.phrase,
                        suggestion=term.suggestion,
                        explanation=term.explanation,
                    )
                )
    flags += _people_flags(text, visible, people)
    return _without_overlaps(flags)


# --- What the coach does not read ---------------------------------------------------------

# Replaces hidden characters, keeping offsets. Not whitespace or a word character, so no phrase
# matches across a hidden passage and word boundaries hold next to one.
HIDDEN = "\x00"

FENCE_OPENING = re.compile(r" {0,3}(`{3,}|~{3,})")
INDENTED_CODE = re.compile(r"(?: {4}|\t)")
BLOCKQUOTE = re.compile(r" {0,3}>")
LEVELS = r"TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|ALERT|EMERG|PANIC"
LOG_LINE = re.compile(
    r"[ \t]*(?:"
    r"\[?\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}|[ ]\d{2}:\d{2}:\d{2})"  # ISO timestamp
    rf"|\[(?i:{LEVELS})\]"  # [ERROR], [warn]
    rf"|(?:{LEVELS}):"  # ERROR: in capitals only; "Note:" or "Error:" may be prose
    r"|(?:level|lvl|ts|time)="  # logfmt
    r")"
)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
BACKTICKS = re.compile(r"`+")
QUOTATION = re.compile(
    r'"[^"\n]*(?:\n(?![ \t]*\n)[^"\n]*)*"'  # within one paragraph
    r"|“[^”\n]*(?:\n(?![ \t]*\n)[^”\n]*)*”"
)
TECHNICAL_TERMS = re.compile(
    r"\bgit\s+blame\b"
    r"|\broot[\s-]+cause[\s-]+analys[ie]s\b"
    r"|\b(?:segmentation|page|protection|bus|hardware|network|transient)\s+faults?\b"
    r"|\bfaults?[\s-]+(?:toleran\w*|injection|domains?|isolation|detection)\b"
    r"|\bjust\s+culture\b",  # Dekker's name for a fair accountability model
    re.IGNORECASE,
)


def _hide_what_is_not_the_writers_framing(text: str) -> str:
    chars = list(text)

    def hide(start: int, end: int) -> None:
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = HIDDEN

    fence = None  # (character, length) of the open fence
    in_indented_code = False
    after_blank = True
    offset = 0
    for line in text.splitlines(keepends=True):
        start, end, offset = offset, offset + len(line), offset + len(line)
        content = line.rstrip("\r\n")
        blank = not content.strip()
        if fence:
            hide(start, end)
            character, length = fence
            if re.fullmatch(rf" {{0,3}}{re.escape(character)}{{{length},}}[ \t]*", content):
                fence = None
            after_blank = False
            continue
        if opening := FENCE_OPENING.match(content):
            fence = (opening.group(1)[0], len(opening.group(1)))
            hide(start, end)
            in_indented_code = after_blank = False
            continue
        # Indented code cannot interrupt a paragraph; it needs a blank line before it.
        if not blank and INDENTED_CODE.match(content) and (after_blank or in_indented_code):
            in_indented_code = True
            hide(start, end)
            after_blank = False
            continue
        if not blank:
            in_indented_code = False
        if BLOCKQUOTE.match(content) or LOG_LINE.match(content):
            hide(start, end)
        after_blank = blank

    visible = "".join(chars)
    runs = list(BACKTICKS.finditer(visible))
    index = 0
    while index < len(runs):
        opening = runs[index]
        for later in range(index + 1, len(runs)):
            closing = runs[later]
            if PARAGRAPH_BREAK.search(visible, opening.end(), closing.start()):
                break
            # A code span closes at the next run of exactly as many backticks.
            if len(closing.group()) == len(opening.group()):
                hide(opening.start(), closing.end())
                index = later
                break
        index += 1

    for pattern in (QUOTATION, TECHNICAL_TERMS):
        for found in pattern.finditer("".join(chars)):
            hide(found.start(), found.end())
    return "".join(chars)


# --- Lexicon terms -------------------------------------------------------------------------

APOSTROPHE = "['’‘ʼ]"
# Between the words of a phrase: spaces, one line break (not a paragraph break) or a hyphen.
SEPARATOR = r"(?:[^\S\n]*\n[^\S\n]*|[^\S\n]+|[^\S\n]*-[^\S\n]*)"
MODALS = {"should", "could", "would", "must", "might", "may", "will", "shall", "not"}
DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her"}
DETERMINERS |= {"our", "my", "your", "any", "all", "every", "each", "some"}
# Function words are never inflected: "failed to" must not match "failed too".
NOT_INFLECTED = DETERMINERS | MODALS | {"to", "of", "in", "on", "at", "by", "for", "with", "up"}
NOT_INFLECTED |= {"out", "off", "down", "into", "have", "has", "had", "be", "been", "being"}
NOT_INFLECTED |= {"did", "do", "does", "why", "if", "only", "so", "it", "more", "most", "very"}
NOT_INFLECTED |= {"and", "or", "but", "no", "can"}

IRREGULAR_FORMS = [
    {"forget", "forgets", "forgot", "forgotten", "forgetting", "forgetful"},
    {"mistake", "mistakes", "mistaken", "mistakenly", "mistook", "mistaking"},
    {"break", "breaks", "broke", "broken", "breaking"},
    {"make", "makes", "made", "making"},
    {"pay", "pays", "paid", "paying"},
    {"was", "were"},
    {"negligence", "negligent", "negligently"},
    {"incompetent", "incompetently", "incompetence", "incompetency"},
    {"complacent", "complacently", "complacency", "complacence"},
    {"stupid", "stupidly", "stupidity"},
    {"judgment", "judgement", "judgments", "judgements"},
    {"typo", "typos", "typo'd", "typoed"},
    {"preventable", "unpreventable"},
]
IRREGULAR = {form: group for group in IRREGULAR_FORMS for form in group}
VOWELS = set("aeiou")


def word_forms(word: str) -> set[str]:
    """The inflections of `word`: itself, its irregular forms if it has any, and otherwise the
    regular forms of every stem it could come from ("dropped" → drop → drops, dropping)."""
    word = word.lower()
    if word in IRREGULAR:
        return set(IRREGULAR[word])
    forms = {word}
    for stem in _stems(word):
        forms |= _inflections(stem)
    return forms


def _stems(word: str) -> set[str]:
    stems = {word}
    if word.endswith(("ies", "ied")) and len(word) > 4:
        stems.add(word[:-3] + "y")
    elif word.endswith("es") and len(word) > 4:
        stems |= {word[:-2], word[:-1]}
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        stems.add(word[:-1])
    if word.endswith("ed") and len(word) > 4:
        stems |= {word[:-2], word[:-1]}
        if word[-3] == word[-4] and word[-3] not in VOWELS:  # dropped → drop
            stems.add(word[:-3])
    if word.endswith("ing") and len(word) > 5:
        stems |= {word[:-3], word[:-3] + "e"}
        if word[-4] == word[-5] and word[-4] not in VOWELS:  # dropping → drop
            stems.add(word[:-4])
    if word.endswith("ily") and len(word) > 5:
        stems.add(word[:-3] + "y")
    elif word.endswith("ly") and len(word) > 4:
        stems.add(word[:-2])
    if word.endswith("iness") and len(word) > 7:
        stems.add(word[:-5] + "y")
    elif word.endswith("ness") and len(word) > 6:
        stems.add(word[:-4])
    return {stem for stem in stems if len(stem) >= 3}


def _inflections(stem: str) -> set[str]:
    consonant_y = stem.endswith("y") and stem[-2] not in VOWELS
    # A final consonant after a single vowel doubles: drop → dropped. "visit" → "visited" keeps
    # it single; both spellings are produced, and the wrong one never occurs in real text.
    doubles = (
        len(stem) >= 3
        and stem[-1] not in VOWELS | {"w", "x", "y"}
        and stem[-2] in VOWELS
        and stem[-3] not in VOWELS
    )
    forms = {stem}
    if consonant_y:
        base = stem[:-1]
        forms |= {base + "ies", base + "ied", stem + "ing", base + "ily", base + "iness"}
        forms |= {base + "ier", base + "iest"}
        return forms
    if stem.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(stem + "es")
    else:
        forms.add(stem + "s")
    if stem.endswith("e"):
        forms |= {stem + "d", stem[:-1] + "ing", stem + "ly", stem + "ness"}
        if stem.endswith("ie"):
            forms.add(stem[:-2] + "ying")
        return forms
    forms |= {stem + "ed", stem + "ing", stem + "ly", stem + "ness"}
    if doubles:
        forms |= {stem + stem[-1] + "ed", stem + stem[-1] + "ing"}
    return forms


def _normalise(phrase: str) -> str:
    """Lower case, straight apostrophes, contractions spelled out, words separated by a space:
    "Shouldn’t-have" → "should not have"."""
    phrase = re.sub(APOSTROPHE, "'", phrase.lower())
    phrase = re.sub(r"\bcan't\b", "can not", phrase)
    phrase = re.sub(r"\bwon't\b", "will not", phrase)
    phrase = re.sub(r"(\w)n't\b", r"\1 not", phrase)
    phrase = re.sub(r"(\w)'ve\b", r"\1 have", phrase)
    return " ".join(re.split(r"[\s\-]+", phrase)).strip()


def _alternatives(forms: set[str]) -> str:
    ordered = sorted(forms, key=lambda form: (-len(form), form))  # longest first
    return "(?:" + "|".join(re.escape(form).replace("'", APOSTROPHE) for form in ordered) + ")"


@lru_cache(maxsize=1024)
def _term_pattern(phrase: str, match: str) -> re.Pattern | None:
    """The regular expression for one lexicon entry. Cached by its phrase and kind alone, so an
    edited entry gets a new pattern."""
    words = _normalise(phrase).split()
    if not words:
        return None
    inflect = match == CoachTerm.MatchKind.WORD

    def forms(word: str) -> str:
        return _alternatives(word_forms(word) if inflect and word not in NOT_INFLECTED else {word})

    parts = [forms(words[0])]
    for previous, word in pairwise(words):
        if word == "not" and previous == "can":
            parts.append(rf"(?:{SEPARATOR}not|not|{APOSTROPHE}t)")  # can not, cannot, can't
        elif word == "not":
            parts.append(rf"(?:{SEPARATOR}not|n{APOSTROPHE}?t)")  # did not, didn't, didnt
        elif word == "have" and previous in MODALS:
            parts.append(rf"(?:{SEPARATOR}have|{APOSTROPHE}?ve)")  # should have, should've
        elif inflect and word in DETERMINERS:
            parts.append(rf"(?:{SEPARATOR}(?:{'|'.join(sorted(DETERMINERS))}))?")
        else:
            parts.append(SEPARATOR + forms(word))
    # Not inside a word or a hyphenated compound: "adjust", "blame-free", "self-blame".
    return re.compile(rf"(?<!\w)(?<!\w-){''.join(parts)}(?!\w)(?!-\w)", re.IGNORECASE)


# --- Context rules: terms that are blameful in one of their senses only ----------------------


@lru_cache(maxsize=1024)
def _context_rule(phrase: str) -> Callable[[str, int, int], bool]:
    return CONTEXT_RULES.get(_normalise(phrase), _always)


NEXT_WORD = re.compile(r"[^\S\n]*\n?[^\S\n]*([\w'’]+)")
NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
NUMBER_WORDS |= {"half", "single", "twice", "once", "hundred", "thousand", "dozen"}
QUANTITY_AFTER_A = {"few", "couple", "handful", "minute", "second", "moment", "bit", "little"}
QUANTITY_AFTER_A |= {"fraction", "subset", "small", "tiny", "single", "hundred", "thousand"}
JUST_IN_TIME = {"now", "then", "before", "after", "when", "as", "in", "once", "like", "about"}
JUST_IN_TIME |= {"over", "under", "below", "above", "past", "around", "shy", "since", "prior"}
JUST_IN_TIME |= {"ahead", "until", "till", "recently", "started", "finished", "arrived"}
NEGATIONS = {"not", "never", "no", "hardly", "barely"}
HEDGES = NEGATIONS | {"more", "less", "very", "so", "too", "as", "how", "fairly", "quite"}


def _next_words(text: str, end: int, count: int) -> list[str]:
    """Up to `count` words after `end`, stopping at punctuation."""
    words = []
    while len(words) < count and (found := NEXT_WORD.match(text, end)):
        words.append(found.group(1).lower())
        end = found.end()
    return words


def _previous_words(text: str, start: int, count: int) -> list[str]:
    """Up to `count` words before `start` in the same clause."""
    clause = re.split(r"[.!?;:,()\[\]\x00]", text[max(0, start - 80) : start])[-1]
    return re.findall(r"[\w'’]+", clause.lower())[-count:]


def _is_quantity(words: list[str]) -> bool:
    if not words:
        return False
    first = words[0]
    if first[0].isdigit() or first in NUMBER_WORDS:
        return True
    return first in {"a", "an"} and len(words) > 1 and words[1] in QUANTITY_AFTER_A


def _is_negated(words: list[str], negations: set[str]) -> bool:
    return any(word in negations or word.endswith(("n't", "n’t")) for word in words)


def _always(text: str, start: int, end: int) -> bool:
    return True


def _just_minimises(text: str, start: int, end: int) -> bool:
    """ "just restart it", "just a typo"; not "just now", "just in time", "just 5 minutes",
    "had just joined", "not just", or the adjective ("a just outcome")."""
    after = _next_words(text, end, 2)
    if not after or after[0] in JUST_IN_TIME or _is_quantity(after):
        return False
    before = {"not", "a", "the", "most", "more", "had", "has", "have", "'d", "’d"}
    return not set(_previous_words(text, start, 1)) & before


def _if_only_is_counterfactual(text: str, start: int, end: int) -> bool:
    """ "if only we had…"; not the condition "if only one replica is up"."""
    return not _is_quantity(_next_words(text, end, 2))


def _not_hedged(text: str, start: int, end: int) -> bool:
    """ "clearly wrong"; not "not clearly labelled" or "more obviously visible"."""
    return not _is_negated(_previous_words(text, start, 1), HEDGES)


def _single_root_cause(text: str, start: int, end: int) -> bool:
    """ "the root cause was"; not "there was no single root cause"."""
    return not _is_negated(_previous_words(text, start, 3), NEGATIONS)


def _blame_is_assigned(text: str, start: int, end: int) -> bool:
    """ "nobody should be blamed"; not "we assign no blame" or "without blame"."""
    return not set(_previous_words(text, start, 1)) & {"no", "without"}


def _should_have_is_counterfactual(text: str, start: int, end: int) -> bool:
    """ "should have checked"; not the possession in "should have a rollback step"."""
    after = _next_words(text, end, 1)
    return not (after and (after[0] in DETERMINERS | {"no", "more", "fewer", "less", "enough"}))


CONTEXT_RULES: dict[str, Callable[[str, int, int], bool]] = {
    "blame": _blame_is_assigned,
    "just": _just_minimises,
    "if only": _if_only_is_counterfactual,
    "clearly": _not_hedged,
    "obviously": _not_hedged,
    "root cause": _single_root_cause,
    "should have": _should_have_is_counterfactual,
    "should not have": _should_have_is_counterfactual,
}


# --- People as the subject of a failure ----------------------------------------------------

FAILURE = (
    r"(?:broke|broken|breaks|caused|causes|forgot|forgotten|forgets|missed|misses|failed|fails"
    r"|ignored|ignores|overlooked|neglected|skipped|botched|misconfigured|deleted|wiped|nuked"
    r"|dropped(?!\s+(?:off|out|in|into|by)\b)"  # not "dropped off the call"
    r"|(?:messed|screwed|fouled|mucked)\s+(?:it\s+|things\s+)?up"
    r"|made\s+(?:a|an|the|another)\s+(?:\w+\s+)?(?:mistake|error|typo)"
    rf"|typo{APOSTROPHE}?e?d|fat[\s-]?fingered|blew\s+away"
    rf"|did(?:n{APOSTROPHE}?t|\s+not)(?!\s+need)"
    rf"|should(?:{APOSTROPHE}?ve|\s+have|n{APOSTROPHE}?t)"
    rf"|was(?:n{APOSTROPHE}?t|\s+not)\s+paying"
    r"|was\s+(?:careless|negligent|sloppy|lazy|responsible|to\s+blame))\b"
)
# Words that may stand between a name and its verb: "Bob had accidentally deleted".
FILLER = (
    r"(?:had|has|have|was|were|is|must|may|might|could|would|then|also|again|never|somehow"
    r"|just|simply|\w+ly)\b"
)
BLAME_NOUN = (
    r"(?:fault|mistakes?|errors?|typos?|oversight|negligence|carelessness|screw-?up|blunder)"
)
AFTER_NAME = re.compile(
    r"(?:\s*,[^,.;:!?\n\x00]{1,60},)?"  # an apposition: "Bob, who was on call, forgot"
    rf"(?:\s+{FILLER})*\s+{FAILURE}",
    re.IGNORECASE,
)
AFTER_POSSESSIVE = re.compile(
    rf"\s+{BLAME_NOUN}\b|(?:\s+[\w-]+){{1,2}}?(?:\s+{FILLER})*\s+{FAILURE}", re.IGNORECASE
)
AGENT_OF_FAILURE = re.compile(
    r"\b(?:caused|broken|introduced|missed|ignored|overlooked|forgotten|deleted|botched"
    r"|misconfigured)\s+by\s+@?$",
    re.IGNORECASE,
)


# Given names that are also everyday English words.
WORDS_THAT_ARE_NAMES = frozenset(
    {
        "may",
        "will",
        "mark",
        "bill",
        "rose",
        "grace",
        "hope",
        "faith",
        "joy",
        "sky",
        "summer",
        "june",
        "april",
        "august",
        "dawn",
        "art",
        "pat",
        "sue",
        "jack",
        "frank",
        "gene",
        "guy",
        "ray",
        "rob",
        "nick",
        "drew",
        "chase",
        "carol",
        "lily",
        "iris",
        "violet",
        "hunter",
        "page",
    }
)


@lru_cache(maxsize=8)
def _people_matcher(people: tuple[str, ...]) -> tuple[dict[str, str], re.Pattern | None]:
    """Each name in lower case with its spelling, and the pattern that finds any of them.
    Cached by the names themselves: a preview every few hundred milliseconds of typing must
    not rebuild an alternation of every user's names."""
    names = {}
    for name in people:
        names.setdefault(name.strip().lower(), name.strip())
    names.pop("", None)
    if not names:
        return names, None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    mention = re.compile(
        rf"(?<!\w)({alternatives})(?![\w@]|\.\w)({APOSTROPHE}s?(?!\w))?", re.IGNORECASE
    )
    return names, mention


def _people_flags(text: str, visible: str, people: Sequence[str]) -> list[Flag]:
    names, mention = _people_matcher(tuple(people))
    if mention is None:
        return []
    flags = []
    for found in mention.finditer(visible):
        known = names[found.group(1).lower()]
        if found.group(1).islower() and found.group(1) in WORDS_THAT_ARE_NAMES:
            # "the check may have missed it": in lower case these are words, not people.
            continue
        after = AFTER_POSSESSIVE if found.group(2) else AFTER_NAME
        if after.match(visible, found.end()) or AGENT_OF_FAILURE.search(
            visible, max(0, found.start() - 40), found.start()
        ):
            flags.append(
                Flag(
                    start=found.start(1),
                    end=found.end(1),
                    text=text[found.start(1) : found.end(1)],
                    phrase=known,
                    suggestion=PERSON_SUGGESTION,
                    explanation=PERSON_EXPLANATION,
                )
            )
    return flags


def _without_overlaps(flags: list[Flag]) -> list[Flag]:
    chosen: list[Flag] = []
    for flag in sorted(flags, key=lambda flag: (flag.start - flag.end, flag.start)):
        if all(flag.end <= other.start or flag.start >= other.end for other in chosen):
            chosen.append(flag)
    return sorted(chosen, key=lambda flag: flag.start)
