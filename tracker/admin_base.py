"""What the tracker's and the clients' admins share: a refusal by a write service (a
ValidationError such as WeekLocked: the week is approved) shown as a message on the admin's
page, with nothing written, rather than a server error; and the week lock checked on the
admin's forms of dated rows, next to the form's other errors.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from . import services


class DeletedByService:
    """For a ModelAdmin whose rows a write service deletes (its locks, its history): the
    delete page and the bulk delete both call `delete_one`, one row at a time; a bulk delete
    is all or nothing."""

    def delete_one(self, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_one(obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_one(obj)


class ServiceRefusalsAsMessages:
    """For a ModelAdmin: the change form, the delete page and the list's actions (the bulk
    delete) each run in one transaction; a service's refusal undoes it all and comes back as
    a message on the page it was asked from."""

    def _refusals_as_messages(self, request, view, *args):
        try:
            with transaction.atomic():
                return view(request, *args)
        except ValidationError as exc:
            self.message_user(
                request, "Nothing was changed: " + " ".join(exc.messages), messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusals_as_messages(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._refusals_as_messages(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._refusals_as_messages(request, super().changelist_view, extra_context)


class ReadOnlyKeptAdmin:
    """For a ModelAdmin of rows only their own flow writes (a week's approval, a client's
    answer): shown, never added, changed or deleted here. Deletable "of one row" all the
    same, so deleting what they belong to lists them as going with it, and deleting what
    they protect (on_delete=PROTECT) lists them as what keeps it, instead of a bare "no
    permission to delete"; the delete page itself refuses and the list has no bulk delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is not None

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied(f"{self.model._meta.verbose_name_plural.capitalize()} are not "
                               "deleted.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), "show_delete": False})


class WeekLockedAdminForm(forms.ModelForm):
    """An admin form of a row with a consultant and a date (a time entry, an activity): an
    approved week, the one it is in or the one it would move to, is an error on the form."""

    def _post_clean(self):
        super()._post_clean()
        row = self.instance
        pairs = [(row.consultant_id, row.date)]
        if row.pk:
            pairs += type(row).objects.filter(pk=row.pk).values_list("consultant_id", "date")
        for message in services.week_lock_errors(pairs):
            self.add_error(None, ValidationError(message, code="locked"))
