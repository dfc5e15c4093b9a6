"""The base of every list page: filtered, sortable, paginated, exported as CSV or XLSX."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from tracker.exports import SafeExportMixin


class FilteredListView(LoginRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """A table of what the user may see, filtered by a ReachFilterSet (a filter naming an
    object out of reach answers 404, before any row is read), exported with the same filters
    as `?_export=csv|xlsx`: every filtered row, not the page shown."""

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        filterset.check_reach()
        if not self.exporting:
            filterset.read_menus()  # the page's menus, in one query
        return filterset

    @property
    def exporting(self) -> bool:
        return self.export_trigger_param in self.request.GET

    def export_period(self):
        return self.filterset.date_range()

    def get_table_pagination(self, table):
        if self.exporting:
            return False  # an export holds every filtered row
        return super().get_table_pagination(table)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.exporting:
            return context  # the export builds its own table from the filtered rows
        context.update(self.get_extra_context())
        return context

    def get_extra_context(self) -> dict:
        """What the page shows beside its table (not computed for an export)."""
        return {}
