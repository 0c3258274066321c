"""View helpers shared by the apps: validation status, service errors on forms, the page of
a list asked for, and one URL answering both a page and its htmx fragment."""

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property

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


class CountedUpToPaginator(Paginator):
    """A paginator that counts rows only as far as it needs: up to `count_up_to`, or to the end
    of the page asked for when that lies further. The first pages of a long history then cost
    the same as those of a short one; `capped` says there are more rows than `count`."""

    def __init__(self, object_list, per_page: int, *, count_up_to: int):
        super().__init__(object_list, per_page)
        self.count_up_to = count_up_to

    def get_page(self, number) -> Page:
        try:
            asked = int(number)
        except (TypeError, ValueError):
            asked = 1
        # Page 0 or below is the first page, not (as Django's get_page has it) the last one,
        # which a capped count would put at the cap rather than at the end.
        if asked < 1:
            asked = number = 1
        # Within a 64-bit LIMIT; a page that far out is past the end anyway.
        self.count_up_to = max(self.count_up_to, min(asked * self.per_page, 2**62))
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        # One row past the limit tells "exactly count_up_to" from "more than that".
        counted = self.object_list[: self.count_up_to + 1]
        return counted.count() if isinstance(counted, QuerySet) else len(counted)

    @property
    def capped(self) -> bool:
        return self.count > self.count_up_to


def page_of(request, items, per_page: int, *, count_up_to: int | None = None) -> Page:
    """The page of `items` the request asks for (?page=); past the end, the last page. With
    `count_up_to`, the rows are counted no further than that (see CountedUpToPaginator)."""
    if count_up_to is None:
        paginator = Paginator(items, per_page)
    else:
        paginator = CountedUpToPaginator(items, per_page, count_up_to=count_up_to)
    return paginator.get_page(request.GET.get("page"))
