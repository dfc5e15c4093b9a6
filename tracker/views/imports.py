"""/imports/: upload an export, see its dry run, confirm it, follow and undo import batches.

Managers and admins only; anyone else gets 404, as for anything out of reach. A manager sees
the uploads and batches they made; an admin sees all.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import services
from ..imports.forms import ImportUploadForm
from ..imports.uploads import import_upload_confirm, import_upload_create
from ..models import ImportBatch, ImportUpload, Kind
from ..tasks import import_batch_publish

BATCHES_SHOWN = 100


def _require_importer(request) -> None:
    if not (request.user.is_admin or request.user.is_manager):
        raise Http404


def _batches_for_user(user):
    # The same reach as ImportBatch.seen_by, which the time list links the batches by.
    return ImportBatch.objects.visible_to(user).select_related("created_by", "upload")


def _get_batch_for_user(request, pk) -> ImportBatch:
    _require_importer(request)
    return get_object_or_404(_batches_for_user(request.user), pk=pk)


def _get_upload_for_user(request, pk) -> ImportUpload:
    _require_importer(request)
    uploads = ImportUpload.objects.select_related("uploaded_by")
    if not request.user.is_admin:
        uploads = uploads.filter(uploaded_by=request.user)
    return get_object_or_404(uploads, pk=pk)


def batch_kinds(batch: ImportBatch) -> list[dict]:
    return [
        {"label": label, "entries": getattr(batch, f"{kind}_entries"),
         "seconds": getattr(batch, f"{kind}_seconds")}
        for kind, label in Kind.choices
    ]


def batch_progress(batch: ImportBatch) -> int:
    """Percent of the file's rows read (the preview counted them); 100 once finished."""
    if batch.status != ImportBatch.Status.QUEUED and batch.status != ImportBatch.Status.RUNNING:
        return 100
    total = (batch.upload.preview.get("rows_read") if batch.upload else 0) or 0
    if batch.status == ImportBatch.Status.QUEUED or not total:
        return 0
    return min(99, batch.rows_read * 100 // total)


@login_required
def import_list(request):
    _require_importer(request)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = import_upload_create(
                user=request.user, file=data["file"], format=data["detected_format"],
                create_users=data["create_users"], mapping=data["map"],
            )
            return redirect("tracker:import_preview", pk=upload.pk)
    else:
        form = ImportUploadForm()
    batches = [
        {"batch": batch, "kinds": batch_kinds(batch)}
        for batch in _batches_for_user(request.user)[:BATCHES_SHOWN]
    ]
    return render(request, "tracker/imports.html", {"form": form, "batches": batches})


@login_required
def import_preview(request, pk: int):
    upload = _get_upload_for_user(request, pk)
    batch = ImportBatch.objects.filter(upload=upload).first()
    return render(request, "tracker/imports_preview.html",
                  {"upload": upload, "preview": upload.preview, "batch": batch})


@login_required
@require_POST
def import_confirm(request, pk: int):
    upload = _get_upload_for_user(request, pk)
    published = []
    try:
        with transaction.atomic():
            batch = import_upload_confirm(upload=upload, user=request.user)
            # Published once committed, so the worker finds the batch; the outcome is known
            # when the block ends.
            transaction.on_commit(lambda: published.append(import_batch_publish(batch.pk)))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("tracker:import_preview", pk=upload.pk)
    if published == [False]:
        messages.warning(
            request,
            "The task queue does not answer right now, so the import has not started. It is "
            "queued and the file is kept: it starts by itself once the queue is back.",
        )
    return redirect("tracker:import_batch", pk=batch.pk)


@login_required
def import_batch(request, pk: int):
    batch = _get_batch_for_user(request, pk)
    return render(request, "tracker/imports_batch.html", {
        "batch": batch, "kinds": batch_kinds(batch), "progress": batch_progress(batch),
        "finished": batch.status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING),
    })


@login_required
def import_batch_status(request, pk: int):
    batch = _get_batch_for_user(request, pk)
    return JsonResponse({"status": batch.status, "progress": batch_progress(batch),
                         "rows_read": batch.rows_read})


@login_required
def import_batch_undo(request, pk: int):
    batch = _get_batch_for_user(request, pk)
    if request.method == "POST":
        try:
            with transaction.atomic():
                deleted = services.import_batch_undo(batch=batch, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"Import undone: {deleted} entr{'y' if deleted == 1 else 'ies'} removed."
            )
        return redirect("tracker:import_batch", pk=batch.pk)
    return render(request, "tracker/imports_undo.html", {"batch": batch})
