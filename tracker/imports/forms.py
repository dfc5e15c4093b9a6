"""The import page's upload form: every check on the file and the map, next to its field."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from tracker.widgets import BootstrapMixin

from . import formats
from .importer import ImportMapping

MAP_MAX_BYTES = 64 * 1024
# What browsers and systems call a CSV file; Windows often says Excel for .csv.
CSV_TYPES = {
    "text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
    "application/octet-stream", "",
}


class ImportUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="A Toggl Track, Harvest, Clockify or Kimai CSV export, UTF-8.",
    )
    format = forms.ChoiceField(
        choices=[("auto", "Detect from the header row"),
                 ("toggl", "Toggl Track"), ("harvest", "Harvest"),
                 ("clockify", "Clockify"), ("kimai", "Kimai")],
        initial="auto",
    )
    create_users = forms.BooleanField(
        label="Create people who are not here yet", required=False,
        help_text="Otherwise a row by someone no one here matches is a problem.",
    )
    map = forms.FileField(
        label="Map file (TOML)", required=False,
        help_text="Optional: [kinds] keywords and [people] names to usernames.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        # By its size first: a file over the limit is refused before a byte of it is read.
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(limit)}. Export a shorter period and import each part."
            )
        if not upload.name.lower().endswith((".csv", ".txt")) or (
            (upload.content_type or "").split(";")[0].strip().lower() not in CSV_TYPES
        ):
            raise forms.ValidationError("This is not a CSV file: export the report as CSV.")
        return upload

    def clean_map(self):
        upload = self.cleaned_data.get("map")
        if not upload:
            return ""
        if upload.size > MAP_MAX_BYTES:
            raise forms.ValidationError(
                f"A map is at most {filesizeformat(MAP_MAX_BYTES)}; this one is "
                f"{filesizeformat(upload.size)}."
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The map is not UTF-8 text.") from None
        try:
            ImportMapping.from_toml(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload and "format" in cleaned:
            # The header row tells the tool (or that it is none of them) and the encoding.
            try:
                export = formats.read_export(upload.open("rb"), format=cleaned["format"])
                cleaned["detected_format"] = export.format
            except ValueError as exc:  # UnknownFormat, NotUTF8: their message says which
                self.add_error("file", str(exc))
            finally:
                upload.seek(0)
        return cleaned
