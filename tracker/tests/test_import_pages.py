"""The import page: upload, dry-run preview, confirm (the task runs eagerly here), the batch
page and its status, the list and undo; managers and admins only."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.imports import uploads
from tracker.models import ImportBatch, ImportUpload, Kind, TimeEntry

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "imports"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


def export(name: str, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (EXPORTS / name).read_bytes(), content_type=content_type)


def upload(client, name="toggl_detailed.csv", **fields):
    data = {"file": export(name), "format": "auto", "create_users": "on", **fields}
    return client.post(reverse("tracker:import_list"), data)


def confirm(client, django_capture_on_commit_callbacks, upload_obj):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("tracker:import_confirm", args=[upload_obj.pk]))


def test_a_consultant_does_not_find_the_page(client, cast):
    client.force_login(cast.consultant)
    assert client.get(reverse("tracker:import_list")).status_code == 404
    assert upload(client).status_code == 404
    assert not ImportUpload.objects.exists()


def test_the_navigation_links_the_page_for_managers_only(client, cast):
    client.force_login(cast.manager)
    assert reverse("tracker:import_list") in client.get(reverse("tracker:my_week")).text
    client.force_login(cast.consultant)
    assert reverse("tracker:import_list") not in client.get(reverse("tracker:my_week")).text


def test_upload_shows_the_dry_run_and_writes_no_time(client, cast):
    client.force_login(cast.manager)
    response = upload(client)

    preview = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tracker:import_preview", args=[preview.pk])
    page = client.get(response["Location"]).text
    assert "3 rows read; 0 already imported; 3 entries to import." in page
    # Toggl's durations to the second: 2:30:30 + 0:15:07 client, 1:00:00 promotion.
    kinds = {k["kind"]: (k["entries"], k["seconds"]) for k in preview.preview["kinds"]}
    assert kinds == {Kind.CLIENT: (2, 9937), Kind.PROMOTION: (1, 3600), Kind.INTERNAL: (0, 0)}
    assert "Acme GmbH — Website relaunch" in page
    assert "Import 3 entries" in page
    assert not TimeEntry.objects.exists() and not ImportBatch.objects.exists()


def test_a_broken_file_lists_its_problems_and_cannot_be_confirmed(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    upload(client, "broken_bad_duration.csv")
    broken = ImportUpload.objects.get()

    page = client.get(reverse("tracker:import_preview", args=[broken.pk])).text
    assert "cannot be imported" in page
    assert "row 3, column Duration:" in page
    assert "Import " not in page.split("cannot be imported")[1]  # no confirm button
    response = confirm(client, django_capture_on_commit_callbacks, broken)
    assert response.status_code == 302
    assert not ImportBatch.objects.exists() and not TimeEntry.objects.exists()


@pytest.mark.parametrize("content, message", [
    ("Datum;T\xe4tigkeit;Dauer\n".encode("latin-1"), "is not UTF-8"),
    ((EXPORTS / "broken_unknown_headers.csv").read_bytes(),
     "Not a Toggl Track, Harvest, Clockify or Kimai export"),
])
def test_a_file_that_is_no_export_is_refused_next_to_the_field(client, cast, content, message):
    client.force_login(cast.manager)
    response = client.post(reverse("tracker:import_list"), {
        "file": SimpleUploadedFile("export.csv", content, content_type="text/csv"),
        "format": "auto",
    })

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert 'id="id_file_error"' in response.text
    assert response.context["form"]["format"].value() == "auto"
    assert not ImportUpload.objects.exists()


def test_a_row_that_is_not_utf8_is_a_problem_of_the_preview(client, cast):
    client.force_login(cast.manager)
    upload(client, "broken_not_utf8.csv")

    preview = ImportUpload.objects.get()
    assert not preview.confirmable
    assert "not UTF-8" in client.get(reverse("tracker:import_preview", args=[preview.pk])).text


def test_a_file_over_the_limit_is_refused_by_its_size_before_it_is_read(
    client, cast, settings, monkeypatch
):
    from tracker.imports import forms

    def read_export(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(forms.formats, "read_export", read_export)
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(cast.manager)
    response = upload(client)

    assert response.status_code == 200
    error = response.context["form"].errors["file"][0]
    assert "The file is 532\xa0bytes; the limit is 100\xa0bytes." in error
    assert not ImportUpload.objects.exists()


def test_confirm_runs_the_import_and_the_batch_page_shows_it(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    upload(client)
    preview = ImportUpload.objects.get()

    response = confirm(client, django_capture_on_commit_callbacks, preview)

    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("tracker:import_batch", args=[batch.pk])
    assert batch.status == ImportBatch.Status.DONE and batch.created_by == cast.manager
    assert batch.upload == preview
    assert TimeEntry.objects.filter(import_batch=batch).count() == 3
    assert batch.client_seconds == 9937 and batch.promotion_seconds == 3600
    page = client.get(response["Location"]).text
    assert "3 entries imported" in page
    status = client.get(reverse("tracker:import_batch_status", args=[batch.pk])).json()
    assert status == {"status": "done", "progress": 100, "rows_read": 3}
    listing = client.get(reverse("tracker:import_list")).text
    assert "toggl_detailed.csv" in listing and "2 · 2.76 h" in listing


def test_a_second_confirm_is_the_same_import(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.manager)
    upload(client)
    preview = ImportUpload.objects.get()
    confirm(client, django_capture_on_commit_callbacks, preview)
    confirm(client, django_capture_on_commit_callbacks, preview)

    assert ImportBatch.objects.count() == 1
    assert TimeEntry.objects.count() == 3


@pytest.mark.django_db(transaction=True)  # on_commit runs as in production: in the request
def test_without_a_broker_the_page_says_so_and_the_sweep_runs_it_later(
    client, cast, monkeypatch
):
    from tracker import tasks

    client.force_login(cast.manager)
    upload(client)
    preview = ImportUpload.objects.get()

    def refuse(*args, **kwargs):
        raise ConnectionError("the broker does not answer")

    monkeypatch.setattr(tasks.import_batch_run_task, "apply_async", refuse)
    response = client.post(reverse("tracker:import_confirm", args=[preview.pk]))
    page = client.get(response["Location"]).text
    assert "The task queue does not answer right now" in page
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.QUEUED and batch.upload.file
    assert not TimeEntry.objects.exists()

    monkeypatch.undo()  # the broker is back; a minute later the sweep publishes the batch
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=batch.created_at - uploads.PUBLISH_GRACE
    )
    assert tasks.sweep_import_batches_task() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert TimeEntry.objects.filter(import_batch=batch).count() == 3


def test_undo_asks_first_then_removes_the_batch_entries(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    upload(client)
    confirm(client, django_capture_on_commit_callbacks, ImportUpload.objects.get())
    batch = ImportBatch.objects.get()
    url = reverse("tracker:import_batch_undo", args=[batch.pk])

    assert "Undo the import" in client.get(url).text
    assert TimeEntry.objects.count() == 3  # GET only asks
    response = client.post(url)

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE and batch.undone_by == cast.manager
    assert not TimeEntry.objects.exists()
    assert "Import undone: 3 entries removed." in client.get(response["Location"]).text


def test_another_managers_batch_and_upload_are_out_of_reach(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    upload(client)
    preview = ImportUpload.objects.get()
    confirm(client, django_capture_on_commit_callbacks, preview)
    batch = ImportBatch.objects.get()

    client.force_login(cast.other_manager)
    for name, pk in [("import_batch", batch.pk), ("import_batch_status", batch.pk),
                     ("import_batch_undo", batch.pk), ("import_preview", preview.pk)]:
        assert client.get(reverse(f"tracker:{name}", args=[pk])).status_code == 404, name
    assert client.post(reverse("tracker:import_batch_undo", args=[batch.pk])).status_code == 404
    assert "toggl_detailed.csv" not in client.get(reverse("tracker:import_list")).text
    assert TimeEntry.objects.count() == 3

    client.force_login(cast.admin)  # admins see every batch
    assert client.get(reverse("tracker:import_batch", args=[batch.pk])).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm_and_see_the_result_in_chromium(cast, log_in):
    page = log_in(cast.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Export file").set_input_files(str(EXPORTS / "toggl_detailed.csv"))
    page.get_by_label("Create people who are not here yet").check()
    page.get_by_role("button", name="Upload and preview").click()

    page.wait_for_selector("text=3 rows read; 0 already imported; 3 entries to import.")
    assert page.locator("#preview-kinds tbody td.text-end").all_inner_texts() == [
        "2", "2.76", "1", "1.00", "0", "0.00",
    ]
    assert not TimeEntry.objects.exists()
    page.get_by_role("button", name="Import 3 entries").click()

    page.wait_for_selector("#import-result")
    assert "3 entries imported" in page.locator("#import-result").inner_text()
    assert TimeEntry.objects.count() == 3
    page.get_by_role("link", name="Imports").first.click()
    assert page.locator("#import-batches tbody tr").count() == 1
    # Nothing on the page is wider than the window at 1280 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_batch_page_follows_a_queued_import_until_it_is_done(cast, log_in, live_server):
    """The static script polls the status every second and shows the result once done."""
    preview = uploads.import_upload_create(
        user=cast.manager, file=export("toggl_detailed.csv"), format="toggl",
        create_users=True,
    )
    batch = uploads.import_upload_confirm(upload=preview, user=cast.manager)  # not published
    page = log_in(cast.manager)
    page.goto(f"{live_server.url}{reverse('tracker:import_batch', args=[batch.pk])}")
    assert page.locator("#import-progress").inner_text() == "0%"
    assert page.locator("#import-state").inner_text() == "Queued"

    uploads.import_batch_run(batch_id=batch.pk)  # what the worker does

    page.wait_for_selector("#import-result", timeout=5_000)
    assert "3 entries imported" in page.locator("#import-result").inner_text()


def test_a_file_already_imported_offers_nothing_to_confirm(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    upload(client)
    confirm(client, django_capture_on_commit_callbacks, ImportUpload.objects.get())
    upload(client)
    again = ImportUpload.objects.latest("pk")
    page = client.get(reverse("tracker:import_preview", args=[again.pk])).text
    assert "Nothing new to import" in page and "Import 0 entries" not in page


def test_any_uploaded_bytes_get_an_answer_not_a_server_error(client, cast):
    """Generated files (bytes, CSV-like text, any header) and formats: never a 5xx, and
    nothing written before a confirm."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client.force_login(cast.manager)
    header = st.sampled_from([
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
        "End date,End time,Duration,Tags",
        "Date;Kunde;Projekt;Tätigkeit;Beschreibung;Benutzer;Dauer",
        "When,Who",
        "",
    ])
    body = st.one_of(st.binary(max_size=300),
                     st.text(max_size=300).map(lambda text: text.encode("utf-8")))

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(header=header, body=body,
           fmt=st.sampled_from(["auto", "toggl", "harvest", "clockify", "kimai", "nope"]))
    def check(header, body, fmt):
        content = header.encode("utf-8") + b"\n" + body
        response = client.post(reverse("tracker:import_list"), {
            "file": SimpleUploadedFile("x.csv", content, "text/csv"), "format": fmt,
        })
        assert response.status_code < 500, (header, body, fmt)

    check()
    assert not TimeEntry.objects.exists() and not ImportBatch.objects.exists()
