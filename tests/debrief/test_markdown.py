"""render_markdown and the `markdown` filter: what every Markdown field in Debrief shows."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.template import Context, Engine, engines
from django.utils.safestring import SafeString

from debrief.markdown import render_markdown
from tests.postmortems.xss_vectors import XSS_VECTORS

# Elements that can run script, load another document, submit data or restyle the page.
ACTIVE_ELEMENTS = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "meta",
    "base",
    "link",
    "svg",
    "math",
    "template",
    "video",
    "audio",
    "source",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "background",
    "cite",
    "data",
    "ping",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID_ELEMENTS |= {"source", "track", "wbr", "keygen", "param"}

# Browsers ignore ASCII whitespace and control characters when they read a URL's scheme.
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list["Element | str"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, tag: str) -> list["Element"]:
        return [element for element in self.walk() if element.tag == tag]

    def find(self, tag: str) -> "Element":
        (element,) = self.find_all(tag)
        return element

    @property
    def text(self) -> str:
        return "".join(
            child.text if isinstance(child, Element) else child for child in self.children
        )


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        # html.parser has already unescaped character references in attribute values.
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an attribute value, or None for a relative URL."""
    match = _SCHEME.match(_IGNORED_IN_URLS.sub("", value).lower())
    return match.group(1) if match else None


def dangers_in(html: str) -> list[str]:
    dangers = []
    for element in parse(html).walk():
        if element.tag in ACTIVE_ELEMENTS:
            dangers.append(f"<{element.tag}> element")
        for name, value in element.attrs.items():
            if name.startswith("on"):
                dangers.append(f"{name} on <{element.tag}>")
            if name == "style":
                dangers.append(f"style on <{element.tag}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") not in SAFE_SCHEMES | {None}:
                dangers.append(f"{name}={value!r} on <{element.tag}>")
    return dangers


def render_with_filter(template: str, **context) -> str:
    engine = Engine(libraries={"markdown": "debrief.templatetags.markdown"})
    return engine.from_string("{% load markdown %}" + template).render(Context(context))


def test_the_catalogue_holds_at_least_a_hundred_distinct_vectors():
    names = [vector.name for vector in XSS_VECTORS]
    texts = [vector.text for vector in XSS_VECTORS]

    assert len(XSS_VECTORS) >= 100
    assert len(set(names)) == len(names)
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(
    "text", [vector.text for vector in XSS_VECTORS], ids=[vector.name for vector in XSS_VECTORS]
)
def test_vector_renders_harmlessly(text):
    assert dangers_in(render_markdown(text)) == []


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<p style="color:red">x</p>',
        '<a href="mailto:a@example.com">x</a><a href="/incidents/1">y</a>',
    ],
    ids=["script", "javascript-href", "onerror", "style", "safe-links"],
)
def test_the_danger_detector_itself_tells_safe_from_unsafe(html):
    # Guards the guard: a detector that never fires would pass every vector.
    expected_safe = html.startswith('<a href="mailto')
    assert (dangers_in(html) == []) is expected_safe


@pytest.mark.parametrize(
    "text",
    ["{{ 7*7 }}", "{% debug %}", "{{ settings.SECRET_KEY }}", "{# hidden #}"],
    ids=["variable", "debug-tag", "settings", "comment"],
)
def test_template_syntax_is_shown_as_text(text):
    html = render_with_filter("{{ body|markdown }}", body=text, settings={"SECRET_KEY": "s3cret"})

    assert parse(html).find("p").text == text


def test_a_table_renders_header_and_body_cells():
    html = render_markdown(
        "| Service | Minutes down |\n|:--|--:|\n| Checkout | 42 |\n| Search | 7 |"
    )

    table = parse(html).find("table")
    assert [th.text for th in table.find_all("th")] == ["Service", "Minutes down"]
    assert [td.text for td in table.find_all("td")] == ["Checkout", "42", "Search", "7"]
    assert [td.attrs["align"] for td in table.find_all("td")] == ["left", "right"] * 2


def test_fenced_code_keeps_its_language_and_its_text_escaped():
    html = render_markdown('```python\nif a < b and c > d:\n    print("<b>&</b>")\n```')

    code = parse(html).find("pre").find("code")
    assert code.attrs["class"] == "language-python"
    assert code.text == 'if a < b and c > d:\n    print("<b>&</b>")\n'
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "text",
    [
        '<pre><code class="btn btn-danger">x</code></pre>',
        '<pre><code class="language-python evil">x</code></pre>',
    ],
    ids=["site-classes", "language-plus-another-class"],
)
def test_a_code_class_that_is_not_a_language_is_dropped(text):
    assert "class" not in parse(render_markdown(text)).find("code").attrs


def test_inline_code_is_escaped():
    html = render_markdown("Run `rm -rf <dir> && echo done` carefully.")

    assert parse(html).find("code").text == "rm -rf <dir> && echo done"
    assert "<code>rm -rf &lt;dir&gt; &amp;&amp; echo done</code>" in html


@pytest.mark.parametrize(
    "url",
    ["https://status.example.com/", "http://grafana.internal/d/abc", "mailto:oncall@example.com"],
)
def test_links_keep_safe_urls_and_open_no_door_back(url):
    link = parse(render_markdown(f"[the dashboard]({url})")).find("a")

    assert link.attrs["href"] == url
    assert {"noopener", "noreferrer"} <= set(link.attrs["rel"].split())
    assert "target" not in link.attrs


def test_relative_links_to_other_debrief_pages_are_kept():
    link = parse(render_markdown("See [INC-42](/incidents/42/).")).find("a")

    assert link.attrs["href"] == "/incidents/42/"


def test_a_link_title_is_kept_as_text():
    link = parse(render_markdown('[x](https://example.com "Status page")')).find("a")

    assert link.attrs["title"] == "Status page"


def test_a_link_with_a_dangerous_url_keeps_its_text():
    html = render_markdown("[the runbook](javascript:alert(1))")

    link = parse(html).find("a")
    assert "href" not in link.attrs
    assert link.text == "the runbook"


def test_an_https_image_is_shown_without_sending_a_referrer():
    image = parse(render_markdown("![p99 latency](https://grafana.example.com/p99.png)")).find(
        "img"
    )

    assert image.attrs["src"] == "https://grafana.example.com/p99.png"
    assert image.attrs["alt"] == "p99 latency"
    assert image.attrs["referrerpolicy"] == "no-referrer"


def test_a_relative_image_loses_its_source():
    # Otherwise every reader's browser would send a GET to Debrief on the author's behalf.
    image = parse(render_markdown("![x](/incidents/42/close)")).find("img")

    assert "src" not in image.attrs


def test_unordered_lists_render():
    items = parse(render_markdown("- detect\n- mitigate")).find("ul").find_all("li")

    assert [item.text for item in items] == ["detect", "mitigate"]


def test_ordered_lists_render_and_keep_their_first_number():
    ordered = parse(render_markdown("3. roll back\n4. verify")).find("ol")

    assert ordered.attrs["start"] == "3"
    assert [item.text for item in ordered.find_all("li")] == ["roll back", "verify"]


def test_nested_lists_render_inside_their_item():
    html = render_markdown("- mitigate\n    1. roll back\n    2. verify\n- follow up")

    outer_items = [child for child in parse(html).find("ul").children if isinstance(child, Element)]
    assert [item.tag for item in outer_items] == ["li", "li"]
    nested = outer_items[0].find("ol")
    assert [item.text for item in nested.find_all("li")] == ["roll back", "verify"]
    assert outer_items[1].text == "follow up"


def test_emphasis_renders():
    html = render_markdown("*slow* and **down** and <del>fixed</del>")

    document = parse(html)
    assert document.find("em").text == "slow"
    assert document.find("strong").text == "down"
    assert document.find("del").text == "fixed"


def test_a_blockquote_renders():
    blockquote = parse(render_markdown("> The pager never went off.")).find("blockquote")

    assert blockquote.find("p").text == "The pager never went off."


def test_headings_render():
    document = parse(render_markdown("# Summary\n\n## Timeline\n\n###### Footnote"))

    assert document.find("h1").text == "Summary"
    assert document.find("h2").text == "Timeline"
    assert document.find("h6").text == "Footnote"


def test_plain_text_with_angle_brackets_and_ampersands_is_escaped():
    html = render_markdown("Latency < 200ms & error rate > 1% for AT&T")

    assert html == "<p>Latency &lt; 200ms &amp; error rate &gt; 1% for AT&amp;T</p>"


def test_line_breaks_inside_a_paragraph_are_kept():
    document = parse(render_markdown("14:02 paged\n14:05 acknowledged"))

    assert len(document.find("p").find_all("br")) == 1


@pytest.mark.parametrize("text", [None, ""])
def test_nothing_renders_as_nothing(text):
    html = render_markdown(text)

    assert html == ""
    assert isinstance(html, SafeString)


def test_the_output_is_marked_safe():
    assert isinstance(render_markdown("*hi*"), SafeString)


def test_a_reference_definition_does_not_leak_into_the_next_render():
    render_markdown("[runbook]: https://example.com/runbook")

    html = render_markdown("[the runbook][runbook]")

    assert parse(html).find_all("a") == []


def test_the_filter_renders_without_double_escaping():
    html = render_with_filter("{{ body|markdown }}", body="**Checkout** & <b>Search</b>")

    assert html == "<p><strong>Checkout</strong> &amp; Search</p>"


def test_the_filter_output_is_safe_even_inside_autoescape():
    html = render_with_filter(
        "{% autoescape on %}{{ body|markdown }}{% endautoescape %}", body="[x](https://a.example)"
    )

    assert html.startswith('<p><a href="https://a.example"')


def test_the_filter_sanitises_what_it_renders():
    html = render_with_filter("{{ body|markdown }}", body='<img src=x onerror="alert(1)">')

    assert dangers_in(html) == []


def test_the_filter_renders_a_missing_value_as_nothing():
    assert render_with_filter("{{ missing|markdown }}") == ""


def test_every_template_can_load_the_filter():
    template = engines["django"].from_string("{% load markdown %}{{ body|markdown }}")

    assert template.render({"body": "*calm*"}) == "<p><em>calm</em></p>"
