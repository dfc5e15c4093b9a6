"""Exports (CSV, XLSX, JSON) that carry plain values and that spreadsheets cannot be tricked
into running.

Plain values: a table's column gives its export cell with `value()` (or the table's
`value_<name>`), apart from `render()` which draws the page. Numbers stay numbers, a ratio is
exported as `percent()` under a header that ends in "%", a code stays a code (never a
badge). HTML that still reaches a cell is cut down to its text, as a last line of defence.

In CSV, a cell that starts with = + - @, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets; such text gets a leading apostrophe. Every text cell is
quoted too: a spreadsheet set to split on ";" (German or French Excel) would otherwise read
"a;=1+1" as two cells, the second a formula. In XLSX every text
cell is written as a text cell, which no spreadsheet runs: the text stays exactly as typed.
"""

import csv
import datetime as dt
import html
import io

from django.http import Http404
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django_tables2.export import ExportMixin, TableExport
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .formatting import export_percent

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def percent(ratio) -> int | None:
    """A ratio as the number a "… %" column holds: the whole percent the page writes before
    its "%" (tracker.formatting): 0.149 -> 15, a burn of 1.085 -> 109."""
    return export_percent(ratio)


def plain(value):
    """A cell's value without markup: HTML built for the page (a SafeString) becomes its text."""
    if isinstance(value, SafeData):
        return html.unescape(strip_tags(value))
    return value


def neutralise(value):
    value = plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        clean = neutralise if self.format == self.CSV else plain
        safe = [tuple(clean(cell) for cell in row) for row in dataset]
        headers = [clean(header) for header in dataset.headers or []]
        dataset.wipe()
        dataset.headers = headers
        for row in safe:
            dataset.append(row)
        return dataset

    def export(self):
        if self.format == self.XLSX:
            return xlsx_bytes(self.dataset)
        if self.format == self.CSV:
            # The BOM tells Excel the file is UTF-8: without it "café" opens as "cafÃ©".
            return BOM + self.dataset.export(self.CSV, quoting=csv.QUOTE_NONNUMERIC)
        return super().export()


def xlsx_bytes(dataset) -> bytes:
    """The dataset as one sheet, bold headers kept in view; text typed as text (tablib lets
    openpyxl read "=..." as a formula, which is why CSV needs the apostrophe)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(dataset.title))
    sheet.freeze_panes = "A2"
    # Write-only sheets take their widths before the first row.
    for index, width in enumerate(column_widths(dataset), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def cell(value, font=None):
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"
        if font is not None:
            written.font = font
        return written

    sheet.append([cell(header, bold) for header in dataset.headers or []])
    for row in dataset:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


MAX_COLUMN_WIDTH = 50  # characters: a long note wraps off screen rather than widen its column


def column_widths(dataset) -> list[int]:
    """Each column as wide as its longest cell (header included), at most MAX_COLUMN_WIDTH."""
    columns = zip(dataset.headers or [], *dataset, strict=True)
    return [
        min(max((len(str(value)) for value in column if value is not None), default=0) + 2,
            MAX_COLUMN_WIDTH)
        for column in columns
    ]


def export_filename(name: str, export_format: str, start=None, end=None) -> str:
    """The file's name with its period: time_2026-11-02_2026-11-29.csv, time_from_2026-11-02.csv,
    time_until_2026-11-29.csv, or time.csv for every date."""
    if start and end:
        name = f"{name}_{start.isoformat()}_{end.isoformat()}"
    elif start:
        name = f"{name}_from_{start.isoformat()}"
    elif end:
        name = f"{name}_until_{end.isoformat()}"
    return f"{name}.{export_format}"


def _sheet_title(title) -> str:
    # Excel's rules: at most 31 characters, none of []:*?/\
    cleaned = "".join(c for c in str(title or "Export") if c not in "[]:*?/\\")
    return cleaned[:31] or "Export"


class SafeExportMixin(ExportMixin):
    """django-tables2's export, through SafeTableExport; `?_export=csv` or `xlsx`."""

    export_class = SafeTableExport
    export_formats = (TableExport.CSV, TableExport.XLSX)

    def get_export_filename(self, export_format):
        return export_filename(self.export_name, export_format, *self.export_period())

    def export_period(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day the export holds, None where the list is open-ended."""
        return None, None

    def dispatch(self, request, *args, **kwargs):
        # django-tables2 would serve any tablib format (some need libraries we don't ship):
        # only the formats offered are exports; anything else is not a page here, refused
        # before a row is read. (After LoginRequiredMixin, listed before this mixin.)
        export_format = request.GET.get(self.export_trigger_param)
        if export_format is not None and export_format not in self.export_formats:
            raise Http404("Exports are CSV or XLSX.")
        return super().dispatch(request, *args, **kwargs)
