"""Teams keep their own postmortem templates: they browse every template, create one with its
sections, clone any (the built-in ones included) and edit their team's, without breaking the
postmortems already written from it."""

import pytest
from django.core.exceptions import ValidationError

from postmortems import services as postmortem_services
from postmortems import template_services
from postmortems.models import PostmortemTemplate, SectionContent, TemplateSection
from postmortems.template_services import SectionData
from tests.conftest import HTMX, _client_for

Kind = TemplateSection.Kind

LIST = "/postmortem-templates/"
NEW = "/postmortem-templates/new/"


def detail_url(template):
    return f"/postmortem-templates/{template.slug}/"


def edit_url(template):
    return f"/postmortem-templates/{template.slug}/edit/"


def clone_url(template):
    return f"/postmortem-templates/{template.slug}/clone/"


def row(title, *, kind=Kind.TEXT, key="", prompt="What made this possible?", **more):
    return {"title": title, "key": key, "kind": kind, "prompt": prompt, "required": True, **more}


def form_data(*, name="Payments review", team=None, description="", sections=(), initial=0):
    """What the browser posts: the template's fields and the sections' formset."""
    data = {
        "name": name,
        "description": description,
        "team": team.pk if team else "",
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": initial,
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
    }
    for index, section in enumerate(sections):
        for field, value in section.items():
            if value is True:
                data[f"sections-{index}-{field}"] = "on"
            elif value not in (False, None):
                data[f"sections-{index}-{field}"] = value
    return data


def edit_data(template, *, changes=None, delete=(), add=(), **fields):
    """The edit form as loaded, with some sections changed, deleted or added."""
    changes = changes or {}
    rows = []
    for section in template.sections.order_by("position"):
        rows.append(
            {
                "id": section.pk,
                "template": template.pk,
                "title": section.title,
                "key": section.key,
                "kind": section.kind,
                "prompt": section.prompt,
                "help_text": section.help_text,
                "required": section.required,
                "position": section.position,
                "DELETE": section.key in delete,
                **changes.get(section.key, {}),
            }
        )
    fields = {"name": template.name, "description": template.description, **fields}
    fields.setdefault("team", template.team)
    return form_data(sections=[*rows, *add], initial=len(rows), **fields)


def team_template(team, by, *, name="Payments lightweight", sections=None):
    return template_services.template_create(
        name=name,
        description="Our own questions.",
        team=team,
        sections=sections
        or [
            SectionData(title="What happened", key="what", kind=Kind.TEXT, prompt="- Tell it"),
            SectionData(title="Timeline", key="timeline", kind=Kind.TIMELINE, prompt="- When?"),
        ],
        by=by,
    )


@pytest.fixture
def payments_template(payments, alice):
    return team_template(payments, alice)


@pytest.fixture
def dave_client(dave):
    return _client_for(dave)


# --- Browsing -------------------------------------------------------------------------------


def test_the_list_shows_builtin_and_team_templates_with_sections_and_team(
    bob_client, payments_template
):
    page = bob_client.get(LIST)
    assert page.status_code == 200
    for name in ["Standard postmortem", "Lightweight review", "Security incident"]:
        assert name in page.text
    assert "Payments lightweight" in page.text
    assert "Payments</a>" in page.text
    assert "Built-in" in page.text
    assert "<td>10</td>" in page.text  # the standard template's sections
    assert "<td>2</td>" in page.text


def test_the_list_answers_htmx_with_its_results_only(bob_client, payments_template):
    fragment = bob_client.get(LIST, headers=HTMX)
    assert 'id="template-results"' in fragment.text
    assert "<html" not in fragment.text


@pytest.mark.parametrize("team_templates", [2, 40])
def test_the_list_takes_the_same_queries_however_many_templates(
    alice_client, payments, alice, django_assert_max_num_queries, team_templates
):
    for number in range(team_templates):
        team_template(payments, alice, name=f"Template {number:02}")
    with django_assert_max_num_queries(6):
        page = alice_client.get(LIST)
    assert page.status_code == 200
    if team_templates > 25:
        assert "Page 1 of 2" in page.text


def test_the_detail_page_shows_sections_in_order_with_prompts_as_markdown(bob_client, standard):
    page = bob_client.get(detail_url(standard))
    assert page.status_code == 200
    titles = [section.title for section in standard.sections.order_by("position")]
    offsets = [page.text.index(f"<h3>{title}</h3>") for title in titles]
    assert offsets == sorted(offsets)
    assert "<li>What happened, told in a few sentences" in page.text  # "- " became a list
    assert "Narrative timeline" in page.text
    assert "Required" in page.text
    assert "Describe roles" in page.text  # help text
    assert "Built-in templates are read-only" in page.text
    assert "Edit template" not in page.text


def test_a_prompt_cannot_inject_markup(bob_client, bob, platform):
    template = team_template(
        platform,
        bob,
        name="Platform review",
        sections=[
            SectionData(
                title="Summary",
                key="summary",
                kind=Kind.TEXT,
                prompt='<script>alert(1)</script> <img src=x onerror="alert(2)"> **bold**',
            )
        ],
    )
    page = bob_client.get(detail_url(template))
    assert "<script>alert(1)" not in page.text
    assert "onerror" not in page.text
    assert "<strong>bold</strong>" in page.text


@pytest.mark.parametrize("slug", ["lightweight", "standard"])
def test_the_detail_page_takes_a_fixed_number_of_queries(
    alice_client, django_assert_max_num_queries, slug
):
    with django_assert_max_num_queries(8):
        page = alice_client.get(f"/postmortem-templates/{slug}/")
    assert page.status_code == 200


def test_an_unknown_template_is_not_found(alice_client):
    assert alice_client.get("/postmortem-templates/nothing-here/").status_code == 404


# --- Creating -------------------------------------------------------------------------------


def test_a_member_creates_a_template_for_their_team(alice_client, alice, payments):
    data = form_data(
        team=payments,
        description="For payment incidents.",
        sections=[
            row("Summary"),
            row("Card network impact", help_text="Ask the acquirer for numbers."),
            row("Timeline", kind=Kind.TIMELINE, key="what-happened-when", required=False),
        ],
    )
    response = alice_client.post(NEW, data)
    assert response.status_code == 302
    template = PostmortemTemplate.objects.get(name="Payments review")
    assert response["Location"] == detail_url(template)
    assert (template.team, template.created_by, template.is_builtin) == (payments, alice, False)
    assert template.slug == "payments-review"
    sections = list(template.sections.order_by("position"))
    assert [(s.key, s.kind, s.required) for s in sections] == [
        ("summary", Kind.TEXT, True),
        ("card-network-impact", Kind.TEXT, True),
        ("what-happened-when", Kind.TIMELINE, False),
    ]
    assert sections[1].help_text == "Ask the acquirer for numbers."
    assert "created" in alice_client.get(response["Location"]).text


def test_the_new_template_form_renders_with_labels(alice_client):
    page = alice_client.get(NEW)
    assert page.status_code == 200
    assert '<label for="id_name">' in page.text
    assert '<label for="id_sections-0-title">' in page.text
    assert 'name="sections-TOTAL_FORMS"' in page.text
    assert "<script>" not in page.text.split("</head>")[1]


def test_sections_follow_their_order_numbers(alice_client, payments):
    data = form_data(
        team=payments,
        sections=[row("Last", position=3), row("First", position=1), row("Second", position=2)],
    )
    assert alice_client.post(NEW, data).status_code == 302
    template = PostmortemTemplate.objects.get(name="Payments review")
    assert [s.title for s in template.sections.order_by("position")] == [
        "First",
        "Second",
        "Last",
    ]


def test_empty_extra_rows_are_left_out(alice_client, payments):
    data = form_data(team=payments, sections=[row("Summary")])
    data["sections-TOTAL_FORMS"] = 3
    data["sections-1-kind"] = data["sections-2-kind"] = Kind.TEXT
    data["sections-1-required"] = data["sections-2-required"] = "on"
    assert alice_client.post(NEW, data).status_code == 302
    assert PostmortemTemplate.objects.get(name="Payments review").sections.count() == 1


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([], "A template needs at least one section."),
        (
            [row("Summary", key="notes"), row("Other notes", key="notes")],
            "Two sections have the key “notes”",
        ),
        ([row("Notes"), row("Notes")], "Two sections have the key “notes”"),
        (
            [row("Timeline", kind=Kind.TIMELINE), row("Our timeline", kind=Kind.TIMELINE)],
            "only one “Narrative timeline” section",
        ),
        (
            [
                row("Factors", kind=Kind.CONTRIBUTING_FACTORS),
                row("More factors", kind=Kind.CONTRIBUTING_FACTORS),
            ],
            "only one “Contributing factors” section",
        ),
        (
            [row("Actions", kind=Kind.FOLLOW_UPS), row("More actions", kind=Kind.FOLLOW_UPS)],
            "only one “Follow-up improvements” section",
        ),
        ([row("Summary", prompt="")], "This field is required."),
        ([row("???")], "Give this section a key"),
    ],
)
def test_an_invalid_template_is_refused_and_keeps_what_was_typed(
    alice_client, payments, sections, message
):
    data = form_data(team=payments, description="Typed with care", sections=sections)
    response = alice_client.post(NEW, data)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Payments review"' in response.text
    assert "Typed with care</textarea>" in response.text
    for section in sections:
        assert f'value="{section["title"]}"' in response.text
    assert not PostmortemTemplate.objects.filter(name="Payments review").exists()


def test_a_post_claiming_thousands_of_sections_is_refused_without_rendering_them(
    alice_client, payments
):
    data = form_data(team=payments, sections=[row("Summary")])
    data["sections-TOTAL_FORMS"] = 100_000
    response = alice_client.post(NEW, data)
    assert response.status_code == 422
    assert "A template has at most 200 sections." in response.text
    assert response.text.count('name="sections-') < 200 * 12
    assert not PostmortemTemplate.objects.filter(name="Payments review").exists()


def test_a_taken_name_is_refused(alice_client, payments, standard):
    response = alice_client.post(
        NEW, form_data(name=standard.name, team=payments, sections=[row("Summary")])
    )
    assert response.status_code == 422
    assert "A template with this name already exists" in response.text


def test_a_member_cannot_give_a_template_to_another_team(alice_client, platform):
    response = alice_client.post(NEW, form_data(team=platform, sections=[row("Summary")]))
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert not PostmortemTemplate.objects.filter(name="Payments review").exists()


def test_a_member_must_choose_a_team(alice_client, alice):
    response = alice_client.post(NEW, form_data(team=None, sections=[row("Summary")]))
    assert response.status_code == 422
    assert "This field is required." in response.text


def test_staff_may_create_an_organisation_wide_template(dave_client):
    response = dave_client.post(NEW, form_data(name="Org review", sections=[row("Summary")]))
    assert response.status_code == 302
    assert PostmortemTemplate.objects.get(name="Org review").team is None


def test_someone_in_no_team_cannot_create_templates(carol_client):
    assert carol_client.get(NEW).status_code == 403
    assert "New template" not in carol_client.get(LIST).text


def test_a_template_never_takes_the_create_pages_address(alice_client, payments):
    assert alice_client.post(NEW, form_data(name="New", sections=[row("A")], team=payments))
    assert PostmortemTemplate.objects.get(name="New").slug == "new-2"


# --- Cloning --------------------------------------------------------------------------------


def test_cloning_copies_every_section_for_a_team_and_opens_the_copy_for_editing(
    alice_client, alice, payments, standard
):
    response = alice_client.post(clone_url(standard), {"team": payments.pk})
    copy = PostmortemTemplate.objects.get(name="Copy of Standard postmortem")
    assert response.status_code == 302
    assert response["Location"] == edit_url(copy)
    assert (copy.team, copy.is_builtin, copy.created_by) == (payments, False, alice)

    def shape(template):
        return list(
            template.sections.order_by("position").values_list(
                "position", "key", "title", "kind", "prompt", "help_text", "required"
            )
        )

    assert shape(copy) == shape(standard)
    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    assert "Copy of Standard postmortem" in page.text


def test_a_second_copy_gets_its_own_name_and_address(alice_client, payments, standard):
    alice_client.post(clone_url(standard), {"team": payments.pk})
    alice_client.post(clone_url(standard), {"team": payments.pk})
    copies = PostmortemTemplate.objects.filter(name__startswith="Copy of Standard")
    assert sorted(copies.values_list("name", "slug")) == [
        ("Copy of Standard postmortem", "copy-of-standard-postmortem"),
        ("Copy of Standard postmortem (2)", "copy-of-standard-postmortem-2"),
    ]


def test_a_copy_cannot_go_to_someone_elses_team(alice_client, platform, standard):
    response = alice_client.post(clone_url(standard), {"team": platform.pk})
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert not PostmortemTemplate.objects.filter(name__startswith="Copy of").exists()


def test_cloning_needs_a_post(alice_client, standard):
    assert alice_client.get(clone_url(standard)).status_code == 405


def test_someone_in_no_team_cannot_clone(carol_client, standard):
    assert carol_client.post(clone_url(standard), {"team": ""}).status_code == 403
    assert "Clone this template" not in carol_client.get(detail_url(standard)).text


# --- Editing --------------------------------------------------------------------------------


def test_a_builtin_template_is_read_only_even_for_staff(dave_client, standard):
    response = dave_client.post(edit_url(standard), edit_data(standard, name="Renamed"))
    assert response.status_code == 403
    assert dave_client.get(edit_url(standard)).status_code == 403
    standard.refresh_from_db()
    assert standard.name == "Standard postmortem"


def test_another_teams_template_cannot_be_edited(bob_client, payments_template):
    assert bob_client.get(edit_url(payments_template)).status_code == 403
    response = bob_client.post(
        edit_url(payments_template), edit_data(payments_template, name="Mine now")
    )
    assert response.status_code == 403
    payments_template.refresh_from_db()
    assert payments_template.name == "Payments lightweight"
    assert "Edit template" not in bob_client.get(detail_url(payments_template)).text


def test_an_organisation_template_of_our_own_is_for_staff(alice_client, dave):
    template = team_template(None, dave, name="Org review")
    assert alice_client.get(edit_url(template)).status_code == 403


def test_a_member_edits_their_teams_template(alice_client, payments_template):
    page = alice_client.get(edit_url(payments_template))
    assert page.status_code == 200
    assert 'value="What happened"' in page.text
    data = edit_data(
        payments_template,
        name="Payments quick review",
        changes={"what": {"title": "What we saw", "prompt": "- What did you notice?"}},
        add=[row("Follow-ups", kind=Kind.FOLLOW_UPS)],
    )
    response = alice_client.post(edit_url(payments_template), data)
    assert response.status_code == 302
    assert response["Location"] == detail_url(payments_template)  # the slug stays
    payments_template.refresh_from_db()
    assert payments_template.name == "Payments quick review"
    assert list(
        payments_template.sections.order_by("position").values_list("key", "title", "position")
    ) == [("what", "What we saw", 1), ("timeline", "Timeline", 2), ("follow-ups", "Follow-ups", 3)]


def test_staff_edit_any_teams_template(dave_client, payments_template):
    response = dave_client.post(
        edit_url(payments_template), edit_data(payments_template, description="Tidied")
    )
    assert response.status_code == 302
    payments_template.refresh_from_db()
    assert payments_template.description == "Tidied"


def test_an_unused_section_can_be_deleted(alice_client, payments_template):
    data = edit_data(payments_template, delete=["timeline"])
    assert alice_client.post(edit_url(payments_template), data).status_code == 302
    assert list(payments_template.sections.values_list("key", flat=True)) == ["what"]


def test_deleting_every_section_is_refused(alice_client, payments_template):
    data = edit_data(payments_template, delete=["what", "timeline"])
    response = alice_client.post(edit_url(payments_template), data)
    assert response.status_code == 422
    assert "A template needs at least one section." in response.text
    assert payments_template.sections.count() == 2


def test_edit_keeps_the_rules_for_the_whole_template(alice_client, payments_template):
    data = edit_data(payments_template, add=[row("Second timeline", kind=Kind.TIMELINE)])
    response = alice_client.post(edit_url(payments_template), data)
    assert response.status_code == 422
    assert "only one “Narrative timeline” section; these are: Timeline, Second timeline" in (
        response.text
    )
    assert 'value="Second timeline"' in response.text


def test_two_sections_may_swap_keys(alice_client, payments_template):
    data = edit_data(
        payments_template, changes={"what": {"key": "timeline"}, "timeline": {"key": "what"}}
    )
    assert alice_client.post(edit_url(payments_template), data).status_code == 302
    assert dict(payments_template.sections.values_list("title", "key")) == {
        "What happened": "timeline",
        "Timeline": "what",
    }


# --- Editing a template that postmortems already use ----------------------------------------


@pytest.fixture
def used_template(payments_template, incident, alice):
    postmortem_services.postmortem_start(incident=incident, template=payments_template, by=alice)
    return payments_template


def test_deleting_a_section_in_use_is_refused_by_name(alice_client, used_template):
    data = edit_data(used_template, delete=["timeline"], name="Typed new name")
    response = alice_client.post(edit_url(used_template), data)
    assert response.status_code == 422
    assert "The section “Timeline” is used by existing postmortems" in response.text
    assert "cannot be deleted" in response.text
    assert 'value="Typed new name"' in response.text
    used_template.refresh_from_db()
    assert used_template.name == "Payments lightweight"
    assert used_template.sections.filter(key="timeline").exists()


def test_a_section_in_use_can_change_its_title_and_prompt(alice_client, used_template):
    data = edit_data(
        used_template,
        changes={"timeline": {"title": "Story of the day", "prompt": "- What did you see?"}},
    )
    assert alice_client.post(edit_url(used_template), data).status_code == 302
    section = used_template.sections.get(key="timeline")
    assert (section.title, section.prompt) == ("Story of the day", "- What did you see?")
    assert SectionContent.objects.filter(section=section).count() == 1


def test_a_section_in_use_keeps_its_key_and_kind(alice_client, used_template):
    page = alice_client.get(edit_url(used_template))
    assert "Fixed: postmortems already use this section." in page.text
    data = edit_data(used_template, changes={"timeline": {"key": "story", "kind": Kind.TEXT}})
    assert alice_client.post(edit_url(used_template), data).status_code == 302
    assert used_template.sections.filter(key="timeline", kind=Kind.TIMELINE).exists()


def test_the_service_refuses_to_break_a_template_in_use(used_template, alice):
    timeline = used_template.sections.get(key="timeline")

    def update(sections):
        template_services.template_update(
            template=used_template,
            name=used_template.name,
            description="",
            team=used_template.team,
            sections=sections,
            by=alice,
        )

    what = used_template.sections.get(key="what")
    kept = SectionData(pk=what.pk, title=what.title, key=what.key, kind=what.kind, prompt="p")
    with pytest.raises(ValidationError, match="“Timeline” is used by existing postmortems"):
        update([kept])
    renamed = SectionData(pk=timeline.pk, title="T", key="story", kind=Kind.TIMELINE, prompt="p")
    with pytest.raises(ValidationError, match="its key and kind cannot change"):
        update([kept, renamed])


def test_the_service_refuses_to_change_a_builtin_template(standard, dave):
    with pytest.raises(ValidationError, match="clone one instead"):
        template_services.template_update(
            template=standard,
            name="Changed",
            description="",
            team=None,
            sections=[SectionData(title="A", key="a", kind=Kind.TEXT, prompt="p")],
            by=dave,
        )
