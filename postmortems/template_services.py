"""Writes to postmortem templates: teams create their own, clone any template (the built-in ones
included) and edit the ones they keep, without breaking the postmortems already written from
them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from audit.services import entry_record_changes, entry_record_created
from incidents.models import Team

from .models import PostmortemTemplate, ReviewComment, SectionContent, TemplateSection

Kind = TemplateSection.Kind

# A postmortem has one narrative timeline, one list of factors and one list of follow-ups.
SINGLE_KINDS = (Kind.TIMELINE, Kind.CONTRIBUTING_FACTORS, Kind.FOLLOW_UPS)

# Path segments under /postmortem-templates/ that a template's slug must not take.
RESERVED_SLUGS = {"new"}

NAME_MAX_LENGTH = PostmortemTemplate._meta.get_field("name").max_length
SLUG_MAX_LENGTH = PostmortemTemplate._meta.get_field("slug").max_length


@dataclass(frozen=True)
class SectionData:
    """One section as the author wants it; `pk` names an existing section of the template."""

    title: str
    key: str
    kind: str
    prompt: str
    help_text: str = ""
    required: bool = True
    pk: int | None = None


def section_rule_errors(sections: Sequence[SectionData]) -> list[str]:
    """What breaks the rules every template keeps: at least one section, keys unique within
    the template, and at most one timeline, one contributing-factors and one follow-ups
    section."""
    errors = []
    if not sections:
        errors.append("A template needs at least one section.")
    keys = [section.key for section in sections]
    for key in sorted({key for key in keys if keys.count(key) > 1}):
        errors.append(f"Two sections have the key “{key}”; each needs its own.")
    for kind in SINGLE_KINDS:
        if sum(section.kind == kind for section in sections) > 1:
            errors.append(f"A template can have only one “{kind.label}” section.")
    return errors


def sections_in_use(*, template: PostmortemTemplate) -> set[int]:
    """The primary keys of the template's sections that postmortems refer to (their text or
    review comments), in two queries. These cannot be deleted, and their key and kind stay."""
    used = set(
        SectionContent.objects.filter(section__template=template).values_list(
            "section_id", flat=True
        )
    )
    used |= set(
        ReviewComment.objects.filter(section__template=template).values_list(
            "section_id", flat=True
        )
    )
    return used


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or "template"
    taken = set(
        PostmortemTemplate.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    taken |= RESERVED_SLUGS
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _copy_name(name: str) -> str:
    """ "Copy of <name>", numbered when that name is already taken."""
    taken = set(
        PostmortemTemplate.objects.filter(name__startswith="Copy of ").values_list(
            "name", flat=True
        )
    )
    number = 1
    while True:
        suffix = f" ({number})" if number > 1 else ""
        candidate = f"Copy of {name}"[: NAME_MAX_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _name_taken() -> ValidationError:
    return ValidationError({"name": "A template with this name already exists; choose another."})


def _bulk_create_recorded(sections: Iterable[TemplateSection]) -> None:
    """bulk_create, with an audit entry for each section, which it sends no signals for."""
    for section in TemplateSection.objects.bulk_create(sections):
        entry_record_created(instance=section)


def _check_sections(sections: Sequence[SectionData]) -> None:
    if errors := section_rule_errors(sections):
        raise ValidationError(errors)


def _create_sections(template: PostmortemTemplate, sections: Iterable[SectionData]) -> None:
    _bulk_create_recorded(
        TemplateSection(
            template=template,
            position=position,
            key=section.key,
            title=section.title,
            kind=section.kind,
            prompt=section.prompt,
            help_text=section.help_text,
            required=section.required,
        )
        for position, section in enumerate(sections, start=1)
        if section.pk is None
    )


@transaction.atomic
def template_create(
    *,
    name: str,
    description: str,
    team: Team | None,
    sections: Sequence[SectionData],
    by: User,
) -> PostmortemTemplate:
    """A new template kept by `team` (or by the organisation when `team` is None), with the
    given sections in the order given. Its slug comes from its name."""
    _check_sections(sections)
    if any(section.pk is not None for section in sections):
        raise ValidationError("A new template cannot take sections from another template.")
    try:
        with transaction.atomic():
            template = PostmortemTemplate.objects.create(
                name=name,
                slug=_unique_slug(name),
                description=description,
                team=team,
                created_by=by,
            )
    except IntegrityError:
        raise _name_taken() from None
    _create_sections(template, sections)
    return template


@transaction.atomic
def template_clone(
    *, template: PostmortemTemplate, team: Team | None, by: User
) -> PostmortemTemplate:
    """A copy of `template` named "Copy of <name>" and kept by `team`, with every section
    copied as it stands (title, key, kind, prompt, help, required, position). The copy is
    never built in, so its team can change it."""
    name = _copy_name(template.name)
    try:
        with transaction.atomic():
            copy = PostmortemTemplate.objects.create(
                name=name,
                slug=_unique_slug(name),
                description=template.description,
                team=team,
                created_by=by,
            )
    except IntegrityError:
        # Someone took the same copy's name between our read and our write.
        raise ValidationError("Another copy was made at the same moment; try again.") from None
    _bulk_create_recorded(
        TemplateSection(
            template=copy,
            position=section.position,
            key=section.key,
            title=section.title,
            kind=section.kind,
            prompt=section.prompt,
            help_text=section.help_text,
            required=section.required,
        )
        for section in template.sections.all()
    )
    return copy


@transaction.atomic
def template_update(
    *,
    template: PostmortemTemplate,
    name: str,
    description: str,
    team: Team | None,
    sections: Sequence[SectionData],
    by: User,
) -> PostmortemTemplate:
    """Change a template's name, description, team and sections to what `sections` lists, in
    that order: sections with a `pk` are updated, those without are added, and the template's
    other sections are deleted.

    Built-in templates cannot change (clone them instead). Postmortems already written from
    the template keep working: a section they use cannot be deleted, and its key and kind
    stay as they are; its title, prompt, help and whether it is required may change. The slug
    stays too, so links to the template keep working."""
    template = PostmortemTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_builtin:
        raise ValidationError("Built-in templates cannot be changed; clone one instead.")
    _check_sections(sections)
    existing = {section.pk: section for section in template.sections.all()}
    wanted = {section.pk for section in sections if section.pk is not None}
    if wanted - existing.keys():
        raise ValidationError("Some sections are no longer part of this template; reload the page.")
    used = sections_in_use(template=template)
    errors = []
    for pk in sorted(existing.keys() - wanted, key=lambda pk: existing[pk].position):
        if pk in used:
            errors.append(
                f"The section “{existing[pk].title}” is used by existing postmortems, so it "
                "cannot be deleted. Keep it; you can still change its title and prompt."
            )
    for section in sections:
        current = existing.get(section.pk)
        if (
            current
            and current.pk in used
            and (section.key, section.kind)
            != (
                current.key,
                current.kind,
            )
        ):
            errors.append(
                f"The section “{current.title}” is used by existing postmortems, so its key "
                "and kind cannot change."
            )
    if errors:
        raise ValidationError(errors)

    template.name = name
    template.description = description
    template.team = team
    try:
        with transaction.atomic():
            template.save(update_fields=["name", "description", "team", "updated_at"])
    except IntegrityError:
        raise _name_taken() from None

    TemplateSection.objects.filter(pk__in=existing.keys() - wanted).delete()
    # Keys are unique per template: park the changing ones first, so two sections may swap keys.
    renamed = [s for s in sections if s.pk is not None and s.key != existing[s.pk].key]
    for section in renamed:
        TemplateSection.objects.filter(pk=section.pk).update(key=f"~{section.pk}")
    changed = []
    for position, section in enumerate(sections, start=1):
        if section.pk is None:
            continue
        current = existing[section.pk]
        current.position = position
        current.key = section.key
        current.title = section.title
        current.kind = section.kind
        current.prompt = section.prompt
        current.help_text = section.help_text
        current.required = section.required
        changed.append(current)
    TemplateSection.objects.bulk_update(
        changed, ["position", "key", "title", "kind", "prompt", "help_text", "required"]
    )
    # bulk_update sends no signals: each section's changes go to the audit trail directly.
    for section in changed:
        entry_record_changes(instance=section)
    _create_sections(template, sections)
    return template
