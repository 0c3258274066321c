"""View helpers shared by the apps: validation status, service errors on forms, the page of
a list asked for, and one URL answering both a page and its htmx fragment."""

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

# Validation errors answer 422; base.html tells htmx to swap those in like a success.
UNPROCESSABLE = 422


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names where there is one."""
    pairs = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for field, field_messages in pairs:
        form.add_error(field if field in form.fields else None, field_messages)


def wants_fragment(request) -> bool:
    """htmx asks for the region it swaps; restoring history after a cache miss needs the page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_fragment(request, template: str, fragment: str, context, status=200):
    """One URL serves both the page and its htmx fragment; caches must keep them apart."""
    fragment_wanted = wants_fragment(request)
    name = f"{template}#{fragment}" if fragment_wanted else template
    response = render(request, name, {**context, "fragment": fragment_wanted}, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def page_of(request, items, per_page: int) -> Page:
    """The page of `items` the request asks for (?page=); past the end, the last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
