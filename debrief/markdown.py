"""The one way Debrief turns what people type into HTML.

Every Markdown field is rendered through `render_markdown` (in templates, the `markdown`
filter), so there is exactly one allow-list to review when asking what a postmortem can put
on someone else's screen.
"""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# Explicit rather than "extra": attr_list and md_in_html would only produce markup the
# sanitiser then has to take away, and footnotes need ids we do not allow.
MARKDOWN_EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.fenced_code",
    "markdown.extensions.sane_lists",
    # Text comes from a textarea, where a line break is meant as one (as on GitHub).
    "markdown.extensions.nl2br",
]
# Column alignment as `align`, so tables need no style attribute.
MARKDOWN_EXTENSION_CONFIGS = {"markdown.extensions.tables": {"use_align_attribute": True}}

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
}

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    # Only "language-…", checked in _keep_attribute; a highlighter or stylesheet may use it.
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    # Lets `3. third` start a list at three; the value is checked in _keep_attribute.
    "ol": {"start"},
}

URL_SCHEMES = {"http", "https", "mailto"}

# A link is all a hostile postmortem can still offer: it gets no window.opener, no referrer
# and no search ranking, and with no `target` allowed it opens where the reader chooses.
LINK_REL = "noopener noreferrer nofollow"

# Whatever else a user writes inside these is dropped too; showing it as text helps no one.
DROPPED_WITH_CONTENT = {"script", "style"}

# Images load without a click, so they must not tell a third party which postmortem was read.
IMAGE_ATTRIBUTES = {"img": {"referrerpolicy": "no-referrer", "loading": "lazy"}}

_CODE_LANGUAGE = re.compile(r"language-[A-Za-z0-9_+#.-]{1,32}")
_ABSOLUTE_HTTP = re.compile(r"https?://", re.IGNORECASE)
_URL_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_WHITESPACE_AND_CONTROLS = re.compile(r"[\x00-\x20\x7f]")
_ALIGNMENTS = {"left", "center", "right"}


def _has_unsafe_scheme(url: str) -> bool:
    # nh3 reads schemes the way browsers do; this also refuses one split by spaces or controls
    # (Markdown turns a tab into spaces) in case some reader's URL parser skips them.
    scheme = _URL_SCHEME.match(_WHITESPACE_AND_CONTROLS.sub("", url).lower())
    return scheme is not None and scheme.group(1) not in URL_SCHEMES


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in {"href", "src"} and _has_unsafe_scheme(value):
        return None
    if tag == "code" and attribute == "class":
        return value if _CODE_LANGUAGE.fullmatch(value) else None
    if tag == "img" and attribute == "src":
        # A relative image would make every reader's browser send a GET to Debrief itself.
        return value if _ABSOLUTE_HTTP.match(value) else None
    if attribute == "align":
        return value if value in _ALIGNMENTS else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=URL_SCHEMES,
    set_tag_attribute_values=IMAGE_ATTRIBUTES,
)


def render_markdown(text: str | None) -> SafeString:
    """Render user-written Markdown as HTML that is safe to put on any Debrief page.

    Definition: the text is converted by Python-Markdown (tables, fenced code, sane lists,
    line breaks as <br>), raw HTML included, and the result is then sanitised by nh3 against
    an allow-list: paragraphs, line breaks, rules, headings, emphasis, deletions, code, quotes,
    lists, tables, links and images. Links and images keep only http, https and mailto URLs
    (links may also be relative; images must be absolute http or https), links get
    rel="noopener noreferrer nofollow", and nothing may carry a style, an event handler, a
    target or a class other than a code block's "language-…". Only nh3's output is marked
    safe. None and the empty string render as the empty string.
    """
    if not text:
        return mark_safe("")
    # A Markdown instance keeps state between conversions, so each call gets its own.
    converter = markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    return mark_safe(_cleaner.clean(converter.convert(str(text))))
