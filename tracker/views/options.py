"""/options/<kind>/?q=…&limit=20: the options of a menu too long to list on its page (a
person, team, client or engagement within the viewer's reach), for static/js/picker.js.

The same reach as the forms' menus (tracker.pickers.KINDS): nobody finds what they could
not choose. One query; at most SEARCH_MAX options, in name order."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from ..pickers import KINDS, SEARCH_LIMIT, SEARCH_MAX, search


def _limit(value) -> int:
    """?limit= within 1..SEARCH_MAX; anything else is the default."""
    try:
        limit = int(str(value))
    except (TypeError, ValueError):
        return SEARCH_LIMIT
    return min(max(limit, 1), SEARCH_MAX)


@login_required
@require_GET
def options(request, kind: str):
    picker = KINDS.get(kind)
    if picker is None:
        raise Http404("No such list.")
    text = (request.GET.get("q") or "")[:100].strip()
    found, more = search(picker, request.user, text, _limit(request.GET.get("limit")))
    return JsonResponse({
        "results": [{"id": pk, "label": label} for pk, label in found],
        "more": more,
    })
