"""The built-in postmortem templates and the default contributing-factor taxonomy.

The data is a frozen copy kept inline, so that this migration installs the same rows on every
database no matter how the models or their defaults change later; improvements to the
built-in wording belong in a new migration."""

from django.db import migrations

# TemplateSection.Kind values, frozen here like the rest of the data.
TEXT = "text"
TIMELINE = "timeline"
CONTRIBUTING_FACTORS = "contributing_factors"
FOLLOW_UPS = "follow_ups"


def questions(*lines):
    return "\n".join(f"- {line}" for line in lines)


STANDARD_SECTIONS = [
    {
        "key": "summary",
        "title": "Summary",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "What happened, told in a few sentences that someone outside the team can follow?",
            "When did the impact start and end, and how severe was it?",
            "Which conditions came together to make this possible?",
            "What is the most important thing we learned?",
        ),
        "help_text": "Easiest to write last, once the rest is clear. Describe roles "
        "(the on-call engineer, the incident commander) rather than naming people.",
    },
    {
        "key": "impact",
        "title": "Customer impact",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "Which customers, users or internal teams noticed a difference, "
            "and what did they experience?",
            "How many requests, accounts, orders or jobs were affected, and for how long?",
            "Was any data lost, delayed or wrong, and has it been repaired?",
            "Which commitments (SLOs, contracts, the status page) did this touch, "
            "and what did support hear from customers?",
        ),
        "help_text": "Use numbers where you have them and say where they came from; "
        "an estimate is fine when it is labelled as one.",
    },
    {
        "key": "timeline",
        "title": "Timeline",
        "kind": TIMELINE,
        "required": True,
        "prompt": questions(
            "What did people notice, when, and through which signals?",
            "What did responders believe was going on at each point, "
            "and what made that belief reasonable given what they could see?",
            "Which decisions were made, which options seemed available, "
            "and which trade-offs were weighed?",
            "Where were there handoffs, waits or parallel lines of investigation?",
            "When did impact begin, and when was it detected, mitigated and resolved?",
        ),
        "help_text": "Write what people knew at the time, not what we know now. "
        "Include the dead ends: they show what the situation looked like from inside.",
    },
    {
        "key": "contributing-factors",
        "title": "Contributing factors",
        "kind": CONTRIBUTING_FACTORS,
        "required": True,
        "prompt": questions(
            "Which conditions had to be present at the same time for this to happen?",
            "What made the actions taken look like the sensible thing to do at the time?",
            "Which signals were missing, late, noisy or easy to misread?",
            "How did tooling, process, documentation or coordination shape "
            "what people were able to do?",
            "Which pressures were in play: time, workload, competing goals?",
            "Has something similar happened before, and what let it happen again?",
        ),
        "help_text": "Look for several factors rather than one root cause. Each factor is a "
        "condition of the system or the organisation; when a sentence is about a person, "
        "ask what made their action reasonable and record that instead.",
    },
    {
        "key": "detection",
        "title": "Detection",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "How did we first learn that something was wrong: an alert, a dashboard, "
            "a customer, a colleague?",
            "How long passed between the start of the impact and the first response, "
            "and what made it that long?",
            "Which alerts and dashboards helped, and which stayed silent, "
            "were noisy or pointed elsewhere?",
            "Which signal would have revealed the problem sooner?",
        ),
        "help_text": "When customers tell us first, that is a finding about our monitoring, "
        "not about the people on call.",
    },
    {
        "key": "response",
        "title": "Response and recovery",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "How were responders brought in, and how quickly did the needed expertise join?",
            "What made diagnosis harder or easier: access, tools, runbooks, observability?",
            "Which mitigations were tried, in what order, and what made each worth trying?",
            "How were stakeholders and customers kept informed, and how well did that work?",
            "What confirmed that service was restored, and what clean-up remained afterwards?",
        ),
        "help_text": "Describe the actions in the order they happened, including the ones "
        "that did not help.",
    },
    {
        "key": "went-well",
        "title": "What went well",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "Which practices, tools or safeguards limited the impact?",
            "Where did expertise or improvisation make a difference, "
            "and how can that knowledge spread?",
            "What worked in coordination and communication that we want to keep?",
        ),
        "help_text": "What went right is as worth learning from as what went wrong; "
        "note what to protect when things change.",
    },
    {
        "key": "difficult",
        "title": "What was difficult",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "Where did responders feel unsure, stuck or overloaded?",
            "Which information was hard to find, and which tools were hard to use under pressure?",
            "What got in the way of coordinating across teams?",
            "What surprised people about how the system behaved?",
        ),
        "help_text": "Difficulties belong to the work, the tools and the circumstances; "
        "describe the situation rather than anyone's performance.",
    },
    {
        "key": "lucky",
        "title": "Where we got lucky",
        "kind": TEXT,
        "required": False,
        "prompt": questions(
            "What happened to go our way that we cannot count on next time?",
            "What could have made this much worse, and what kept that from happening?",
            "Which near miss is hiding inside this incident?",
        ),
        "help_text": "Luck marks a safeguard we do not have yet; good follow-ups often start here.",
    },
    {
        "key": "follow-ups",
        "title": "Follow-up improvements",
        "kind": FOLLOW_UPS,
        "required": True,
        "prompt": questions(
            "Which changes would make this kind of incident less likely, "
            "quicker to detect or smaller in impact?",
            "Which contributing factor does each change address, "
            "and which factors do we knowingly accept?",
            "What would make the next response faster or calmer: tooling, runbooks, "
            "training, access?",
            "Which team owns each improvement, and by when is it realistic?",
            "How will we know that an improvement worked?",
        ),
        "help_text": "Prefer a few changes to the system over many reminders to be more "
        "careful. Every improvement needs an owning team and a link to where it is tracked.",
    },
]

LIGHTWEIGHT_SECTIONS = [
    {
        "key": "summary",
        "title": "What happened",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "What happened, and what was the impact, if any?",
            "How was it noticed, and how was it resolved or caught before it did harm?",
        ),
        "help_text": "A few sentences are enough. Near misses count: they show where our "
        "safeguards are thin while learning is still cheap.",
    },
    {
        "key": "timeline",
        "title": "Timeline",
        "kind": TIMELINE,
        "required": False,
        "prompt": questions(
            "What were the key moments, from the first signal to the resolution?",
            "What did people know at each point, and what did they decide?",
        ),
        "help_text": "Only the moments that explain the story. Write what was known then, "
        "not what is known now.",
    },
    {
        "key": "contributing-factors",
        "title": "Contributing factors",
        "kind": CONTRIBUTING_FACTORS,
        "required": True,
        "prompt": questions(
            "Which conditions made this possible?",
            "What made the actions taken reasonable at the time?",
            "Which signal, safeguard or piece of knowledge was missing or unclear?",
        ),
        "help_text": "Even small incidents usually have more than one factor. Describe "
        "conditions of the system, not the people in it.",
    },
    {
        "key": "learned",
        "title": "What we learned and where we got lucky",
        "kind": TEXT,
        "required": False,
        "prompt": questions(
            "What surprised us about how the system or the process behaved?",
            "What went our way this time that we cannot rely on?",
            "What would we like other teams to know?",
        ),
        "help_text": "Often the part most worth sharing; one or two insights are plenty.",
    },
    {
        "key": "follow-ups",
        "title": "Follow-up improvements",
        "kind": FOLLOW_UPS,
        "required": False,
        "prompt": questions(
            "Is there a small change that would make this less likely or easier to catch?",
            "Does this fit a pattern from earlier incidents that other teams need to hear about?",
        ),
        "help_text": "Not every near miss needs follow-ups; a short note on why is enough.",
    },
]

SECURITY_SECTIONS = [
    {
        "key": "summary",
        "title": "Summary",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "What happened, at a level of detail that is safe to share widely?",
            "When did it start, when was it discovered and when was it contained?",
            "Where do the investigation and any notifications stand now?",
        ),
        "help_text": "Never paste secrets, credentials, personal data or exploit details "
        "into a postmortem. Point to restricted evidence by its case or ticket reference.",
    },
    {
        "key": "impact",
        "title": "Impact and data exposure",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "Which systems, accounts and kinds of data were accessed, changed or exposed?",
            "Which customers, employees or partners are affected, and how many?",
            "How confident are we in that scope, and which evidence supports it?",
            "Which legal, contractual or regulatory notification obligations apply, and by when?",
            "Have affected people and the relevant authorities been informed, "
            "and through which channel?",
        ),
        "help_text": "Name categories of data (email addresses, payment tokens), never the "
        "data itself. Bring in legal and privacy colleagues early: notification deadlines "
        "can be short.",
    },
    {
        "key": "timeline",
        "title": "Timeline",
        "kind": TIMELINE,
        "required": True,
        "prompt": questions(
            "When did the first relevant activity happen, and when did we learn about it?",
            "What did responders know at each point, and what led to each decision?",
            "When was access revoked, were systems isolated and was evidence preserved?",
            "When were leadership, legal and the affected parties informed?",
        ),
        "help_text": "Write what was known at the time, not what the investigation found "
        "later. Keep indicators of compromise in the restricted case file.",
    },
    {
        "key": "detection",
        "title": "Detection",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "How was this discovered: an alert, an audit, an outside report, a customer?",
            "How much time passed between the first activity and its discovery, "
            "and what made that gap possible?",
            "Which logs and signals were available, and which were missing "
            "or not kept long enough?",
        ),
        "help_text": "A late discovery is a finding about visibility and logging, "
        "not about the people watching.",
    },
    {
        "key": "containment",
        "title": "Containment and eradication",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "What was done to stop further access or spread, and in what order?",
            "Which trade-offs were made between containing quickly, keeping service up "
            "and preserving evidence?",
            "How was the way in closed, and any foothold removed?",
            "Which kinds of credentials, keys or tokens were rotated, "
            "and how do we know none remain exposed?",
        ),
        "help_text": "Name the kinds of credentials rotated, never their values.",
    },
    {
        "key": "recovery",
        "title": "Recovery",
        "kind": TEXT,
        "required": True,
        "prompt": questions(
            "How were the affected systems returned to a trusted state?",
            "What confirms that the access has ended and the data is intact?",
            "Which monitoring was added or heightened afterwards, and for how long?",
        ),
        "help_text": "Say how trust in each restored system was established, "
        "not only that it is running again.",
    },
    {
        "key": "contributing-factors",
        "title": "Contributing factors",
        "kind": CONTRIBUTING_FACTORS,
        "required": True,
        "prompt": questions(
            "Which conditions made the access or exposure possible: permissions, patching, "
            "configuration, secrets handling, dependencies?",
            "What made the decisions behind those conditions reasonable when they were made?",
            "Which safeguards were expected to catch this, and what kept them from doing so?",
            "Which pressures or trade-offs shaped our security posture here?",
        ),
        "help_text": "Describe weaknesses by class and component, never as a recipe. "
        "A phishing email or a leaked token is where the analysis starts, not where it "
        "ends: ask what let a single click or a single token matter this much.",
    },
    {
        "key": "went-well",
        "title": "What went well",
        "kind": TEXT,
        "required": False,
        "prompt": questions(
            "Which controls, logs or practices limited the damage or sped up the investigation?",
            "What worked in coordinating security, engineering, legal and communications?",
        ),
        "help_text": "Note the safeguards that earned their keep, so that they survive "
        "the next reorganisation.",
    },
    {
        "key": "difficult",
        "title": "What was difficult",
        "kind": TEXT,
        "required": False,
        "prompt": questions(
            "Where did responders lack access, evidence or expertise when they needed it?",
            "Which parts of the security response process were unclear or slow?",
            "What made it hard to decide what to share, with which audiences and when?",
        ),
        "help_text": "Describe the situation responders were in, not how well anyone coped.",
    },
    {
        "key": "follow-ups",
        "title": "Follow-up improvements",
        "kind": FOLLOW_UPS,
        "required": True,
        "prompt": questions(
            "Which changes would prevent this class of attack or exposure, or limit its reach?",
            "How will we detect similar activity sooner?",
            "What would make the next security response faster: runbooks, access, "
            "log retention, contacts?",
            "Which notifications or commitments still need follow-through, "
            "and which team owns each improvement?",
        ),
        "help_text": "Track sensitive fixes in a restricted tracker when needed, "
        "and link only the reference here.",
    },
]

TEMPLATES = [
    {
        "slug": "standard",
        "name": "Standard postmortem",
        "description": "The full review for incidents that affected customers: what happened, "
        "how the system made it possible, how we responded, and what we will change.",
        "sections": STANDARD_SECTIONS,
    },
    {
        "slug": "lightweight",
        "name": "Lightweight review",
        "description": "A short review for small incidents and near misses that still captures "
        "what made them possible and what we learned.",
        "sections": LIGHTWEIGHT_SECTIONS,
    },
    {
        "slug": "security",
        "name": "Security incident",
        "description": "For unauthorised access, data exposure or an exploited vulnerability. "
        "Keep sensitive detail out of the write-up and link to restricted records instead.",
        "sections": SECURITY_SECTIONS,
    },
]

FACTOR_CATEGORIES = [
    {
        "slug": "detection-monitoring",
        "name": "Detection and monitoring",
        "description": "Signals that were missing, late, noisy or misleading, "
        "so the problem went unnoticed or was hard to see.",
    },
    {
        "slug": "change-deployment",
        "name": "Change and deployment process",
        "description": "The way changes are reviewed, tested, rolled out or rolled back "
        "let a problem reach production or made it hard to undo.",
    },
    {
        "slug": "configuration",
        "name": "Configuration",
        "description": "Settings, feature flags or infrastructure definitions "
        "whose values or interactions led to unexpected behaviour.",
    },
    {
        "slug": "capacity-scaling",
        "name": "Capacity and scaling",
        "description": "Load, limits, quotas or resource exhaustion "
        "that the system was not sized or able to scale for.",
    },
    {
        "slug": "dependency",
        "name": "Dependency or third party",
        "description": "An internal service, library or external provider we rely on "
        "behaved in a way we did not expect or could not control.",
    },
    {
        "slug": "software-defect",
        "name": "Software defect",
        "description": "Code behaved differently from what was intended "
        "under conditions that tests and reviews did not cover.",
    },
    {
        "slug": "data",
        "name": "Data",
        "description": "Unexpected data volume, shape, quality or migrations "
        "that the system did not handle as intended.",
    },
    {
        "slug": "coordination",
        "name": "Coordination and communication",
        "description": "Handoffs, escalation paths or information shared between people and "
        "teams made it hard to build a common picture or act together.",
    },
    {
        "slug": "knowledge",
        "name": "Knowledge and documentation",
        "description": "Knowledge the situation called for was missing, outdated, "
        "hard to find or held by too few people.",
    },
    {
        "slug": "tooling",
        "name": "Tooling",
        "description": "Operational tools, consoles or automation "
        "that were missing, confusing or behaved surprisingly under pressure.",
    },
    {
        "slug": "infrastructure",
        "name": "Environment and infrastructure",
        "description": "Hardware, network, cloud platform or environment differences "
        "that affected how the system ran.",
    },
    {
        "slug": "other",
        "name": "Other",
        "description": "A condition that none of the other categories describes well, "
        "and a hint that the taxonomy may need a new entry.",
    },
]

# Categories an admin adds get position 100 by default; "Other" stays after them.
OTHER_POSITION = 1000


def create_builtin_templates(apps, schema_editor):
    PostmortemTemplate = apps.get_model("postmortems", "PostmortemTemplate")
    TemplateSection = apps.get_model("postmortems", "TemplateSection")
    FactorCategory = apps.get_model("postmortems", "FactorCategory")
    db = schema_editor.connection.alias

    for spec in TEMPLATES:
        template = PostmortemTemplate.objects.using(db).create(
            name=spec["name"],
            slug=spec["slug"],
            description=spec["description"],
            team=None,
            is_builtin=True,
        )
        TemplateSection.objects.using(db).bulk_create(
            TemplateSection(
                template=template,
                position=position,
                key=section["key"],
                title=section["title"],
                prompt=section["prompt"],
                help_text=section["help_text"],
                required=section["required"],
                kind=section["kind"],
            )
            for position, section in enumerate(spec["sections"])
        )

    FactorCategory.objects.using(db).bulk_create(
        FactorCategory(
            name=category["name"],
            slug=category["slug"],
            description=category["description"],
            position=OTHER_POSITION if category["slug"] == "other" else (index + 1) * 10,
        )
        for index, category in enumerate(FACTOR_CATEGORIES)
    )


def delete_builtin_templates(apps, schema_editor):
    PostmortemTemplate = apps.get_model("postmortems", "PostmortemTemplate")
    FactorCategory = apps.get_model("postmortems", "FactorCategory")
    db = schema_editor.connection.alias

    # Sections go with their template. Both deletes refuse (PROTECT) once postmortems or
    # contributing factors use these rows, which is the point: that data cannot be unwound.
    PostmortemTemplate.objects.using(db).filter(is_builtin=True).delete()
    FactorCategory.objects.using(db).filter(
        slug__in=[category["slug"] for category in FACTOR_CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0002_coach_lexicon")]

    operations = [migrations.RunPython(create_builtin_templates, delete_builtin_templates)]
