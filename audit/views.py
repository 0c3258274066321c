from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_safe

from debrief.http import page_of, render_page_or_fragment
from debrief.permissions import can_view_audit

from . import selectors
from .forms import AuditFilterForm

ENTRIES_PER_PAGE = 50
# Years of history are not counted to the end for every page view.
ENTRIES_COUNTED_UP_TO = 1000


# GET (and HEAD) only: nothing on this page, or anywhere else, changes or deletes an entry.
@require_safe
def entry_list(request):
    if not can_view_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        # Keep the filters that were valid; the form shows what was wrong with the rest.
        filters = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    page = page_of(
        request,
        selectors.entry_list(filters=filters),
        ENTRIES_PER_PAGE,
        count_up_to=ENTRIES_COUNTED_UP_TO,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_page_or_fragment(request, "audit/entry_list.html", "results", context)
