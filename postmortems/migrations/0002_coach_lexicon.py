"""The writing coach's built-in lexicon of blameful wording.

Gathered from the public guidance on blameless reviews: the postmortem culture chapter of
Google's SRE book, PagerDuty's postmortem guide, Etsy's Debriefing Facilitation Guide, Jeli's
Howie guide, Atlassian's incident handbook, and John Allspaw's and Sidney Dekker's writing on
hindsight bias, counterfactuals and "human error".

The data is a frozen copy kept inline, so that this migration installs the same rows on every
database no matter how the coach or the model change later; improvements to the built-in
wording belong in a new migration. Admins disable built-in entries rather than delete them.
"""

from django.db import migrations

# CoachTerm.MatchKind values, frozen here like the rest of the data.
WORD = "word"  # the phrase and its inflections: forgot, forget, forgets, forgetting, forgotten
EXACT = "exact"  # only the phrase as written (still any case, spacing and apostrophe)

SYSTEM_NOT_PERSON = (
    "Describe what about the system made this action possible or likely — the interface, "
    "the defaults, the missing guardrail."
)
CONDITIONS_NOT_TRAITS = (
    "Describe the conditions the person worked in — workload, time pressure, tooling, unclear "
    "ownership, what they could see — rather than a trait of the person."
)
WHAT_HAPPENED_NOT_WHAT_DIDNT = (
    "Describe what did happen and what the person saw at that moment, then what in the system "
    "made the other path hard to see or to take."
)
HINDSIGHT = (
    "Counterfactuals describe a world that did not happen, with knowledge nobody had at the "
    "time. They measure people against the outcome instead of explaining why their actions "
    "made sense to them (hindsight bias)."
)
CHARACTER = (
    "A judgement of someone's character ends the inquiry: it tells readers who to distrust, "
    "not what to change, and it teaches everyone to keep quiet next time."
)

LEXICON = [
    {
        "phrase": "human error",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "Calling it human error is where an investigation stops, not where it "
        "should end: it names a person's action as the cause and hides the conditions that made "
        "that action reasonable at the time. Error is a symptom of trouble deeper in the system.",
    },
    {
        "phrase": "user error",
        "match": WORD,
        "suggestion": "Describe what the user was trying to do, what the product let them do, "
        "and what it did not warn them about.",
        "explanation": "Blaming the user treats the product's design as fixed and the person as "
        "the variable; the design is what the team can actually change.",
    },
    {
        "phrase": "operator error",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "Operators act on what their tools show them. Labelling the action an "
        "error skips the question of why it looked right from where they stood.",
    },
    {
        "phrase": "pilot error",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "Aviation safety moved past this label decades ago: accident boards ask "
        "what in the cockpit, training and procedures made the action likely.",
    },
    {
        "phrase": "should have",
        "match": EXACT,
        "suggestion": "Describe what the person knew and expected at that moment, and what would "
        "have had to be visible for another choice to make sense.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "shouldn't have",
        "match": EXACT,
        "suggestion": "Describe why the action looked reasonable at the time, and what in the "
        "system let it go ahead without a check.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "could have prevented",
        "match": EXACT,
        "suggestion": "Describe which safeguards were present, which were missing, and what "
        "it would take to add the missing ones.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "could have been prevented",
        "match": EXACT,
        "suggestion": "Describe which safeguards were present, which were missing, and what "
        "it would take to add the missing ones.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "could have been avoided",
        "match": EXACT,
        "suggestion": "Describe which safeguards were present, which were missing, and what "
        "it would take to add the missing ones.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "if only",
        "match": EXACT,
        "suggestion": "Describe the situation as it was, and name the change to the system that "
        "would make the better path the easy one.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "failed to",
        "match": WORD,
        "suggestion": WHAT_HAPPENED_NOT_WHAT_DIDNT,
        "explanation": "Describing what someone did not do measures them against an ideal only "
        "visible afterwards, and says nothing about what they were doing instead or why.",
    },
    {
        "phrase": "why didn't",
        "match": EXACT,
        "suggestion": "Ask how instead: how did the situation look at that moment, and how did "
        "the tools and signals guide what happened next?",
        "explanation": "A why-question about someone's inaction asks them to justify "
        "themselves. How-questions draw out the context that made sense of their actions.",
    },
    {
        "phrase": "forgot",
        "match": WORD,
        "suggestion": "Describe what the step depended on memory for, and what could hold it "
        "instead: a checklist, an automated check, a default.",
        "explanation": "Everybody forgets. A process that works only if nobody forgets has a "
        "gap, and naming the forgetting hides the gap.",
    },
    {
        "phrase": "careless",
        "match": WORD,
        "suggestion": CONDITIONS_NOT_TRAITS,
        "explanation": CHARACTER,
    },
    {
        "phrase": "negligence",
        "match": WORD,
        "suggestion": CONDITIONS_NOT_TRAITS,
        "explanation": "Negligence is a legal and moral verdict. It assumes the right action was "
        "known and ignored, which is rarely what people describe once they feel safe to talk.",
    },
    {
        "phrase": "neglected",
        "match": WORD,
        "suggestion": "Describe the competing demands at the time and how the work was "
        "prioritised, and what made this task easy to put off.",
        "explanation": "Neglect implies someone chose not to care. Work usually goes undone "
        "because other work looked more urgent, and that trade-off is worth understanding.",
    },
    {
        "phrase": "fault",
        "match": WORD,
        "suggestion": "Describe the contributing factors and how they combined, rather than "
        "whose fault it was.",
        "explanation": "Assigning fault answers who, and the review exists to answer how. Once "
        "someone is at fault, everyone else stops looking.",
    },
    {
        "phrase": "blame",
        "match": WORD,
        "suggestion": "Describe the conditions that came together to make the incident "
        "possible, and who can help change them.",
        "explanation": "Blame makes people defensive and drives what they know underground, "
        "which is the information the review needs most.",
    },
    {
        "phrase": "mistake",
        "match": WORD,
        "suggestion": "Describe the action and what the person expected it to do, then what in "
        "the system turned that action into an incident.",
        "explanation": "A mistake is only a mistake in hindsight. At the time it was an action "
        "that made sense, and the interesting part is why.",
    },
    {
        "phrase": "sloppy",
        "match": WORD,
        "suggestion": CONDITIONS_NOT_TRAITS,
        "explanation": CHARACTER,
    },
    {
        "phrase": "lazy",
        "match": WORD,
        "suggestion": CONDITIONS_NOT_TRAITS,
        "explanation": CHARACTER,
    },
    {
        "phrase": "incompetent",
        "match": WORD,
        "suggestion": "Describe what the person had been trained for, what the task demanded, "
        "and what support or tooling was available.",
        "explanation": CHARACTER,
    },
    {
        "phrase": "stupid",
        "match": WORD,
        "suggestion": CONDITIONS_NOT_TRAITS,
        "explanation": CHARACTER,
    },
    {
        "phrase": "reckless",
        "match": WORD,
        "suggestion": "Describe the risk as it appeared at the time, and what pressures or "
        "norms made the action look acceptable.",
        "explanation": CHARACTER,
    },
    {
        "phrase": "complacent",
        "match": WORD,
        "suggestion": "Describe how the signals had looked before, and why the situation looked "
        "normal from the inside.",
        "explanation": "Complacency is a label applied after the outcome is known. Before it, "
        "the same behaviour was called experience and had worked many times.",
    },
    {
        "phrase": "didn't bother",
        "match": WORD,
        "suggestion": "Describe what the extra step would have cost at the time, and what made "
        "it look unnecessary.",
        "explanation": "It attributes an action to indifference. People skip steps that look "
        "redundant or costly; that judgement is the thing to understand.",
    },
    {
        "phrase": "ignored the warning",
        "match": WORD,
        "suggestion": "Describe how the warning looked among everything else on screen, and how "
        "often it had fired without consequence before.",
        "explanation": "Warnings that are noisy, ambiguous or routinely harmless teach people to "
        "move past them. Saying they were ignored hides the design of the warning.",
    },
    {
        "phrase": "ignored the alert",
        "match": WORD,
        "suggestion": "Describe how the alert arrived, what else was competing for attention, "
        "and how often this alert had been actionable before.",
        "explanation": "Alert fatigue is a property of the alerting, not of the responder.",
    },
    {
        "phrase": "screwed up",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "Colourful language about a person's action invites judgement of the "
        "person and discourages them from telling the full story.",
    },
    {
        "phrase": "messed up",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "Colourful language about a person's action invites judgement of the "
        "person and discourages them from telling the full story.",
    },
    {
        "phrase": "dropped the ball",
        "match": WORD,
        "suggestion": "Describe how the hand-off or responsibility was set up, and where it "
        "relied on one person holding it all.",
        "explanation": "It pins a shared, structural gap on one person. Work falls between "
        "people when ownership and hand-offs are unclear.",
    },
    {
        "phrase": "wasn't paying attention",
        "match": WORD,
        "suggestion": "Describe where the person's attention was and why: what else was "
        "happening, and what would have drawn their attention here.",
        "explanation": "Attention always goes somewhere. Asking people to pay more of it changes "
        "nothing; designing what gets noticed does.",
    },
    {
        "phrase": "rogue",
        "match": WORD,
        "suggestion": "Describe the action and what made it look sanctioned or necessary at the "
        "time. For a process or job, describe what it did (runaway, unexpected).",
        "explanation": "Calling someone rogue casts them as an outsider acting in bad faith, "
        "which is almost never what happened and ends the conversation.",
    },
    {
        "phrase": "fat-finger",
        "match": WORD,
        "suggestion": "Describe the input, what the interface accepted without confirmation, and "
        "what check could have caught it.",
        "explanation": "Slips are a normal part of skilled work. The question is why a single "
        "slip could reach production.",
    },
    {
        "phrase": "poor judgment",
        "match": WORD,
        "suggestion": "Describe the information and trade-offs in front of the person when they "
        "decided, and what they were trying to achieve.",
        "explanation": "Judgement looks poor only once the outcome is known; the same call on a "
        "good day is called decisive.",
    },
    {
        "phrase": "lapse in judgment",
        "match": WORD,
        "suggestion": "Describe the information and trade-offs in front of the person when they "
        "decided, and what they were trying to achieve.",
        "explanation": "Judgement looks poor only once the outcome is known; the same call on a "
        "good day is called decisive.",
    },
    {
        "phrase": "bad apple",
        "match": WORD,
        "suggestion": SYSTEM_NOT_PERSON,
        "explanation": "The bad apple theory holds that removing a few unreliable people makes a "
        "system safe. It does not: the next person meets the same conditions.",
    },
    {
        "phrase": "be more careful",
        "match": EXACT,
        "suggestion": "Name a change to the system — a check, a safer default, a better tool — "
        "instead of asking people to try harder.",
        "explanation": "Vigilance is not an action item. People were already trying to do good "
        "work, and the next person will meet the same trap.",
    },
    {
        "phrase": "preventable",
        "match": WORD,
        "suggestion": "Describe which safeguards were present, which were missing, and what "
        "it would take to add the missing ones.",
        "explanation": HINDSIGHT,
    },
    {
        "phrase": "obviously",
        "match": EXACT,
        "suggestion": "Describe what the person could see at the time; if a signal was there, "
        "describe why it did not stand out.",
        "explanation": "Things are obvious only once the outcome is known. Hindsight makes the "
        "path to failure look straight when it was not from the inside.",
    },
    {
        "phrase": "clearly",
        "match": EXACT,
        "suggestion": "Describe what the person could see at the time; if a signal was there, "
        "describe why it did not stand out.",
        "explanation": "Things are clear only once the outcome is known. Hindsight makes the "
        "path to failure look straight when it was not from the inside.",
    },
    {
        "phrase": "just",
        "match": EXACT,
        "suggestion": "Drop the minimiser and describe the step as it is, including what makes "
        "it harder than it sounds.",
        "explanation": "“Just” makes an action sound trivial, so anyone who did not take it "
        "looks foolish, and the real cost and risk of the step disappear.",
    },
    {
        "phrase": "simply",
        "match": EXACT,
        "suggestion": "Drop the minimiser and describe the step as it is, including what makes "
        "it harder than it sounds.",
        "explanation": "“Simply” makes an action sound trivial, so anyone who did not take it "
        "looks foolish, and the real cost and risk of the step disappear.",
    },
    {
        "phrase": "root cause",
        "match": EXACT,
        "suggestion": "Describe the contributing factors and how they combined; incidents in "
        "complex systems need several at once.",
        "explanation": "A single root cause is a stopping point chosen by the investigator. "
        "Each contributing factor is necessary but only jointly sufficient, and picking one "
        "leaves the others in place.",
    },
]


def create_builtin_terms(apps, schema_editor):
    CoachTerm = apps.get_model("postmortems", "CoachTerm")
    db = schema_editor.connection.alias
    CoachTerm.objects.using(db).bulk_create(
        CoachTerm(
            phrase=term["phrase"],
            match=term["match"],
            suggestion=term["suggestion"],
            explanation=term["explanation"],
            is_active=True,
            is_builtin=True,
        )
        for term in LEXICON
    )


def delete_builtin_terms(apps, schema_editor):
    CoachTerm = apps.get_model("postmortems", "CoachTerm")
    db = schema_editor.connection.alias
    CoachTerm.objects.using(db).filter(is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_terms, delete_builtin_terms)]
