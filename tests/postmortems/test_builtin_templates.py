"""The templates and contributing-factor taxonomy every Debrief starts with (migration 0003):
three organisation-wide templates whose prompts ask about the system rather than the people,
and a migration that can be unapplied and applied again."""

import re

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from postmortems.models import FactorCategory, PostmortemTemplate, TemplateSection

Kind = TemplateSection.Kind

EXPECTED_SECTIONS = {
    "standard": [
        ("summary", Kind.TEXT),
        ("impact", Kind.TEXT),
        ("timeline", Kind.TIMELINE),
        ("contributing-factors", Kind.CONTRIBUTING_FACTORS),
        ("detection", Kind.TEXT),
        ("response", Kind.TEXT),
        ("went-well", Kind.TEXT),
        ("difficult", Kind.TEXT),
        ("lucky", Kind.TEXT),
        ("follow-ups", Kind.FOLLOW_UPS),
    ],
    "lightweight": [
        ("summary", Kind.TEXT),
        ("timeline", Kind.TIMELINE),
        ("contributing-factors", Kind.CONTRIBUTING_FACTORS),
        ("learned", Kind.TEXT),
        ("follow-ups", Kind.FOLLOW_UPS),
    ],
    "security": [
        ("summary", Kind.TEXT),
        ("impact", Kind.TEXT),
        ("timeline", Kind.TIMELINE),
        ("detection", Kind.TEXT),
        ("containment", Kind.TEXT),
        ("recovery", Kind.TEXT),
        ("contributing-factors", Kind.CONTRIBUTING_FACTORS),
        ("went-well", Kind.TEXT),
        ("difficult", Kind.TEXT),
        ("follow-ups", Kind.FOLLOW_UPS),
    ],
}

EXPECTED_CATEGORIES = [
    "detection-monitoring",
    "change-deployment",
    "configuration",
    "capacity-scaling",
    "dependency",
    "software-defect",
    "data",
    "coordination",
    "knowledge",
    "tooling",
    "infrastructure",
    "other",
]

# Wording that points at a person instead of the conditions around them. Plain "who" is
# included too: the built-in prompts ask "which customers" or "which team" instead.
BLAMEFUL = re.compile(
    r"\bwho\b|\bwhose\b|fault|blame|human error|should have|should've|"
    r"\bcareless|\bnegligen|\bfailed to\b"
)


def builtin_sections():
    return list(
        TemplateSection.objects.filter(template__is_builtin=True).select_related("template")
    )


def test_three_templates_are_built_in_for_the_whole_organisation(db):
    templates = PostmortemTemplate.objects.filter(is_builtin=True)

    assert [(t.slug, t.name) for t in templates] == [
        ("lightweight", "Lightweight review"),
        ("security", "Security incident"),
        ("standard", "Standard postmortem"),
    ]
    assert all(t.team is None and t.description for t in templates)


@pytest.mark.parametrize("slug", EXPECTED_SECTIONS)
def test_sections_come_in_order_with_stable_keys(db, slug):
    sections = list(PostmortemTemplate.objects.get(slug=slug).sections.all())

    assert [(s.key, s.kind) for s in sections] == EXPECTED_SECTIONS[slug]
    assert [s.position for s in sections] == list(range(len(sections)))
    assert all(s.title for s in sections)


@pytest.mark.parametrize("slug", EXPECTED_SECTIONS)
def test_each_template_has_one_timeline_one_factors_and_one_follow_ups_section(db, slug):
    kinds = [s.kind for s in PostmortemTemplate.objects.get(slug=slug).sections.all()]

    assert kinds.count(Kind.TIMELINE) == 1
    assert kinds.count(Kind.CONTRIBUTING_FACTORS) == 1
    assert kinds.count(Kind.FOLLOW_UPS) == 1


@pytest.mark.parametrize("slug", EXPECTED_SECTIONS)
def test_each_template_opens_with_a_required_written_summary(db, slug):
    first = PostmortemTemplate.objects.get(slug=slug).sections.first()

    assert (first.key, first.kind, first.required) == ("summary", Kind.TEXT, True)


def test_the_lightweight_review_asks_for_little(db):
    sections = PostmortemTemplate.objects.get(slug="lightweight").sections.all()

    assert [s.key for s in sections if s.required] == ["summary", "contributing-factors"]


def test_the_security_template_warns_against_pasting_sensitive_detail(db):
    sections = {s.key: s for s in PostmortemTemplate.objects.get(slug="security").sections.all()}

    summary_guidance = sections["summary"].help_text.lower()
    assert "secrets" in summary_guidance
    assert "personal data" in summary_guidance
    assert "notification" in sections["impact"].prompt.lower()


def test_every_prompt_is_a_list_of_questions(db):
    for section in builtin_sections():
        lines = section.prompt.strip().splitlines()
        assert lines, f"{section} has no prompt"
        for line in lines:
            assert line.startswith("- ") and line.endswith("?"), f"{section}: {line!r}"


def test_every_section_offers_guidance_beside_its_prompt(db):
    assert all(section.help_text.strip() for section in builtin_sections())


def test_no_prompt_or_guidance_invites_blame(db):
    for section in builtin_sections():
        for text in (section.prompt, section.help_text):
            match = BLAMEFUL.search(text.lower())
            assert match is None, f"{section} says {match and match.group()!r}"


def test_the_factor_taxonomy_is_offered_in_order_with_other_last(db):
    categories = list(FactorCategory.objects.all())

    assert [c.slug for c in categories] == EXPECTED_CATEGORIES
    assert all(c.is_active for c in categories)
    assert [c.name for c in categories][:3] == [
        "Detection and monitoring",
        "Change and deployment process",
        "Configuration",
    ]


def test_a_category_added_later_still_comes_before_other(db):
    FactorCategory.objects.create(name="Security controls", slug="security-controls")

    slugs = list(FactorCategory.objects.values_list("slug", flat=True))
    assert "security-controls" in slugs
    assert slugs[-1] == "other"


def test_each_category_is_described_in_one_sentence(db):
    for category in FactorCategory.objects.all():
        description = category.description
        assert description.endswith(".") and description.count(".") == 1, category.slug
        assert description[0].isupper(), category.slug


def installed_builtins() -> dict:
    return {
        template.slug: [(s.key, s.kind) for s in template.sections.all()]
        for template in PostmortemTemplate.objects.filter(is_builtin=True)
    }


def run_migration_0003(*, backwards: bool = False):
    """Run 0003's operations against the historical models, as `migrate` would.

    Not `call_command("migrate", ...)`: that needs a transactional test, whose closing flush
    re-creates content types and breaks any later test that uses serialized_rollback."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("postmortems", "0003_builtin_templates")
    before = loader.project_state(("postmortems", "0002_coach_lexicon"))
    after = loader.project_state(("postmortems", "0003_builtin_templates"))
    # RunPython only takes the connection from the schema editor; entering one would be
    # refused inside the test's transaction on SQLite.
    schema_editor = connection.schema_editor()
    for operation in migration.operations:
        if backwards:
            operation.database_backwards("postmortems", schema_editor, after, before)
        else:
            operation.database_forwards("postmortems", schema_editor, before, after)


def test_unapplying_the_migration_removes_only_its_own_rows(payments):
    team_template = PostmortemTemplate.objects.create(
        name="Payments review", slug="payments-review", team=payments
    )
    own_category = FactorCategory.objects.create(name="Fraud rules", slug="fraud-rules")

    run_migration_0003(backwards=True)

    assert list(PostmortemTemplate.objects.all()) == [team_template]
    assert not TemplateSection.objects.exists()
    assert list(FactorCategory.objects.all()) == [own_category]


def test_the_migration_applies_again_after_being_unapplied(db):
    run_migration_0003(backwards=True)
    run_migration_0003()

    assert installed_builtins() == EXPECTED_SECTIONS
    assert list(FactorCategory.objects.values_list("slug", flat=True)) == EXPECTED_CATEGORIES
