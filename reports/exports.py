"""Exports (CSV, XLSX, JSON) that spreadsheets cannot be tricked into running.

A cell that starts with = + - @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets; such text gets a leading apostrophe. Numbers stay numbers.
"""

from django.http import Http404
from django_tables2.export import ExportMixin, TableExport

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        safe = [tuple(neutralise(cell) for cell in row) for row in dataset]
        headers = [neutralise(header) for header in dataset.headers or []]
        dataset.wipe()
        dataset.headers = headers
        for row in safe:
            dataset.append(row)
        return dataset


class SafeExportMixin(ExportMixin):
    """django-tables2's export, through SafeTableExport; `?_export=csv` or `xlsx`."""

    export_class = SafeTableExport
    export_formats = (TableExport.CSV, TableExport.XLSX)

    def get_export_filename(self, export_format):
        return f"{self.export_name}.{export_format}"

    def dispatch(self, request, *args, **kwargs):
        # django-tables2 would serve any tablib format (some need libraries we don't ship):
        # only the formats offered are exports; anything else is not a page here, refused
        # before a row is read. (After LoginRequiredMixin, listed before this mixin.)
        export_format = request.GET.get(self.export_trigger_param)
        if export_format is not None and export_format not in self.export_formats:
            raise Http404("Exports are CSV or XLSX.")
        return super().dispatch(request, *args, **kwargs)
