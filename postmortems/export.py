"""The whole postmortem as one Markdown document, for download."""

from django.utils import timezone
from django.utils.formats import date_format

from incidents.templatetags.debrief import duration

from .facts import postmortem_facts


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i") if moment else "—"


def postmortem_markdown(postmortem) -> str:
    facts = postmortem_facts(postmortem)
    lines = [
        f"# {postmortem.title}",
        "",
        f"- Incident: {facts['reference']} ({facts['severity']}"
        + (", drill)" if facts["is_drill"] else ")"),
        f"- Team: {facts['team']}",
        f"- Services: {', '.join(facts['services'])}",
        f"- Impact started: {_when(facts['started_at'])}",
        f"- Service restored: {_when(facts['restored_at'])}",
        f"- Resolved: {_when(facts['resolved_at'])}",
    ]
    lines += [f"- {label}: {duration(value)}" for label, value in facts["durations"]]
    lines.append(f"- Status: {postmortem.get_status_display()}")
    if postmortem.published_at:
        lines.append(f"- Published: {_when(postmortem.published_at)}")
    for content in postmortem.contents.all():
        lines += ["", f"## {content.title}", ""]
        if content.section.kind == content.section.Kind.CONTRIBUTING_FACTORS:
            lines += [
                f"- **{factor.category.name}**: {factor.description}"
                for factor in postmortem.contributing_factors.all()
            ]
            if content.body.strip():
                lines += ["", content.body.strip()]
        else:
            lines.append(content.body.strip() or "_Not written._")
    return "\n".join(lines) + "\n"
