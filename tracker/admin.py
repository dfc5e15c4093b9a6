from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import models

from . import services
from .admin_base import (
    DeletedByService,
    ReadOnlyKeptAdmin,
    ServiceRefusalsAsMessages,
    WeekLockedAdminForm,
)
from .models import Activity, Change, Team, TimeEntry, User, WeekApproval


@admin.register(Team)
class TeamAdmin(DeletedByService, admin.ModelAdmin):
    list_display = ["name", "promotion_threshold"]
    search_fields = ["name"]
    filter_horizontal = ["managers"]

    # Writes through the services, as everywhere else.
    def save_model(self, request, obj, form, change):
        services.team_save(team=obj)

    def save_related(self, request, form, formsets, change):
        services.team_managers_set(team=form.instance, managers=form.cleaned_data["managers"])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_one(self, obj):
        services.team_delete(team=obj)


@admin.register(User)
class UserAdmin(DeletedByService, ServiceRefusalsAsMessages, DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "team", "logs_time",
                    "is_staff"]
    list_filter = ["team", "logs_time", "is_staff", "is_superuser", "is_active",
                   "digest_opt_in", "week_reminder_opt_in"]
    list_select_related = ["team"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("ClientFirst", {"fields": ["team", "timezone", "weekly_capacity_hours", "logs_time",
                                    "started_on", "digest_opt_in", "week_reminder_opt_in"]}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("ClientFirst", {"fields": ["email", "team", "timezone", "weekly_capacity_hours",
                                    "logs_time", "started_on"]}),
    )

    # Writes through the services; groups and permissions stay Django's own (save_related).
    def save_model(self, request, obj, form, change):
        services.person_save(user=obj)

    def delete_one(self, obj):
        services.person_delete(user=obj)


def _saved_by_service(obj, saved) -> None:
    """The admin goes on with the object its form built (its messages, its history): give it
    what the service saved."""
    obj.pk = saved.pk
    obj.refresh_from_db()


class TimeEntryAdminForm(WeekLockedAdminForm):
    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            # The rules the service applies on save, shown next to their fields here rather
            # than refused with an error page.
            try:
                services.time_entry_validate(self.instance)
            except ValidationError as exc:
                self._update_errors(exc)


@admin.register(TimeEntry)
class TimeEntryAdmin(DeletedByService, ServiceRefusalsAsMessages, admin.ModelAdmin):
    form = TimeEntryAdminForm
    list_display = ["date", "consultant", "kind", "engagement", "hours", "billable", "source"]
    list_filter = ["kind", "billable", "source", ("date", admin.DateFieldListFilter)]
    list_select_related = ["consultant", "engagement__client"]
    search_fields = ["note", "consultant__username", "engagement__name", "external_id"]
    date_hierarchy = "date"
    autocomplete_fields = ["consultant", "engagement", "activity"]
    # Provenance, set by the path that made the entry (the admin's own: "manual"): the
    # import that brought it in (undone with the batch), the API token. Never typed in.
    readonly_fields = ["source", "import_batch", "api_token"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            _saved_by_service(obj, services.time_entry_update(entry=obj, **values))
        else:
            _saved_by_service(obj, services.time_entry_create(**form.cleaned_data))

    def delete_one(self, obj):
        services.time_entry_delete(entry=obj)


@admin.register(Activity)
class ActivityAdmin(DeletedByService, ServiceRefusalsAsMessages, admin.ModelAdmin):
    form = WeekLockedAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as the pages do
    list_display = ["date", "consultant", "kind", "title", "audience", "leads"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    list_select_related = ["consultant"]
    search_fields = ["title", "venue", "consultant__username"]
    date_hierarchy = "date"
    autocomplete_fields = ["consultant", "engagement"]

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            _saved_by_service(obj, services.activity_update(activity=obj, **values))
        else:
            _saved_by_service(obj, services.activity_create(**form.cleaned_data))

    def delete_one(self, obj):
        services.activity_delete(activity=obj)


@admin.register(WeekApproval)
class WeekApprovalAdmin(ReadOnlyKeptAdmin, admin.ModelAdmin):
    """Read-only: a week changes state only through its services (the Approvals page), which
    check who may and which transition; a status typed in here would skip both, and the lock.
    Deleting its person lists it, by week, as what protects them."""

    list_display = ["week_start", "consultant", "status", "decided_by", "decided_at",
                    "reopened_by"]
    list_filter = ["status", ("week_start", admin.DateFieldListFilter)]
    list_select_related = ["consultant", "decided_by", "reopened_by"]
    search_fields = ["consultant__username", "consultant__last_name"]
    date_hierarchy = "week_start"


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The history of every change, read-only: written by the write services alone, never
    added, changed or deleted here (no permission; the list has no delete action)."""

    list_display = ["at", "object_type", "object_id", "object_label", "action", "username",
                    "via", "via_ref"]
    list_filter = ["object_type", "action", "via", ("at", admin.DateFieldListFilter)]
    search_fields = ["object_label", "username", "via_ref"]
    date_hierarchy = "at"
    show_full_result_count = False  # it grows with every write: no COUNT(*) per page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
