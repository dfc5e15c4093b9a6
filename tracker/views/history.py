"""/history/: the history of every change within the viewer's reach, for managers and admins
(consultants read their own objects' history on those objects' pages). Anyone else: 404."""

from django.http import Http404

from .. import history
from ..filters import ChangeFilter
from ..paging import LazyBoundedPaginator
from ..tables import ChangeTable
from .lists import FilteredListView


class HistoryListView(FilteredListView):
    table_class = ChangeTable
    filterset_class = ChangeFilter
    template_name = "tracker/history_list.html"
    export_name = "history"
    table_pagination = {"per_page": 50, "paginator_class": LazyBoundedPaginator}

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_admin or user.is_manager):
            raise Http404("The history list is for managers and admins.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # Reached by what each record says of its object (history.changes_visible_to): a
        # manager reads the changes of their teams' people's objects, an admin every one.
        return history.changes_visible_to(self.request.user).select_related("user")


history_list = HistoryListView.as_view()
