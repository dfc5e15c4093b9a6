from django.contrib import admin
from django.db import models

from tracker.admin_base import DeletedByService, ReadOnlyKeptAdmin, ServiceRefusalsAsMessages

from . import services
from .models import (
    Client,
    ClientContact,
    ConfirmationRequest,
    Engagement,
    Outcome,
    OutcomeMeasurement,
)

# Admin writes go through clients/services.py like the pages': the same validation and
# rules, and nothing the admin saves skips them. The admin's own form has validated the input
# and set it on `obj`; the service takes it from there.


def _values(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _created(obj, saved) -> None:
    """Make the admin's `obj` the row the service created (the admin goes on with it)."""
    obj.pk = saved.pk
    obj._state.adding, obj._state.db = False, saved._state.db


@admin.register(Client)
class ClientAdmin(DeletedByService, admin.ModelAdmin):
    list_display = ["name", "sector", "owner", "active"]
    list_filter = ["active", "sector"]
    list_select_related = ["owner"]
    search_fields = ["name", "sector"]
    autocomplete_fields = ["owner"]

    def save_model(self, request, obj, form, change):
        if change:
            services.client_update(client=obj, data=_values(obj, services.CLIENT_FIELDS))
        else:
            _created(obj, services.client_create(**_values(obj, services.CLIENT_FIELDS)))

    def delete_one(self, obj):
        services.client_delete(client=obj)


@admin.register(Engagement)
class EngagementAdmin(DeletedByService, ServiceRefusalsAsMessages, admin.ModelAdmin):
    list_display = ["name", "client", "team", "status", "starts_on", "ends_on", "budget_hours"]
    list_filter = ["status", "team", ("starts_on", admin.DateFieldListFilter)]
    list_select_related = ["client", "team"]
    search_fields = ["name", "client__name"]
    autocomplete_fields = ["client", "source_activity"]
    filter_horizontal = ["members"]

    def save_model(self, request, obj, form, change):
        # An admin sees everyone: no team rule, no hidden members (editor=None).
        values = _values(obj, services.ENGAGEMENT_FIELDS)
        members = form.cleaned_data.get("members", [])
        if change:
            services.engagement_update(engagement=obj, data={**values, "members": members})
        else:
            _created(obj, services.engagement_create(**values, members=members))

    def save_related(self, request, form, formsets, change):
        # The members were saved with the engagement, by the service.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_one(self, obj):
        services.engagement_delete(engagement=obj)


class OutcomeMeasurementInline(admin.TabularInline):
    model = OutcomeMeasurement
    extra = 1
    autocomplete_fields = ["recorded_by"]


@admin.register(Outcome)
class OutcomeAdmin(DeletedByService, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as the pages do
    list_display = ["title", "engagement", "metric", "baseline", "target", "status", "achieved_on",
                    "confirmed_on"]
    list_filter = ["status", "direction", ("achieved_on", admin.DateFieldListFilter)]
    list_select_related = ["engagement__client"]
    search_fields = ["title", "metric", "engagement__name", "engagement__client__name"]
    autocomplete_fields = ["engagement", "recorded_by"]
    inlines = [OutcomeMeasurementInline]

    def save_model(self, request, obj, form, change):
        if change:
            services.outcome_update(outcome=obj, data=_values(obj, services.OUTCOME_FIELDS))
        else:
            _created(obj, services.outcome_create(
                engagement=obj.engagement, **_values(obj, services.OUTCOME_FIELDS),
                recorded_by=obj.recorded_by or request.user,
            ))
        # Status and confirmation keep their own rules (a reopened outcome loses the
        # client's confirmation), so they go through their own services.
        outcome = Outcome.objects.get(pk=obj.pk)
        if (obj.status, obj.achieved_on) != (outcome.status, outcome.achieved_on):
            services.outcome_status_set(
                outcome=outcome, status=obj.status, achieved_on=obj.achieved_on,
                recorded_by=obj.recorded_by or request.user,
            )
        if (obj.confirmed_by, obj.confirmed_on) != (outcome.confirmed_by, outcome.confirmed_on):
            services.outcome_confirmation_set(
                outcome=outcome, confirmed_by=obj.confirmed_by, confirmed_on=obj.confirmed_on
            )
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        for measurement in formset.save(commit=False):
            if measurement.pk:
                services.measurement_update(
                    measurement=measurement,
                    data=_values(measurement, services.MEASUREMENT_FIELDS),
                )
            else:
                services.outcome_measure(
                    outcome=form.instance, **_values(measurement, services.MEASUREMENT_FIELDS),
                    recorded_by=measurement.recorded_by or request.user,
                )
        for measurement in formset.deleted_objects:
            services.measurement_delete(measurement=measurement)

    def delete_one(self, obj):
        services.outcome_delete(outcome=obj)


@admin.register(ClientContact)
class ClientContactAdmin(DeletedByService, ServiceRefusalsAsMessages, admin.ModelAdmin):
    """Kept by admins as on the client's page, through the same services (and history). A
    contact who has been asked keeps their place: the delete page lists their requests as
    what protects them."""

    list_display = ["name", "role", "email", "client"]
    list_select_related = ["client"]
    search_fields = ["name", "email", "role", "client__name"]
    autocomplete_fields = ["client"]

    def get_readonly_fields(self, request, obj=None):
        # A contact stays with their client: their requests were sent as that client's.
        return ["client"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            services.contact_update(contact=obj, data=_values(obj, services.CONTACT_FIELDS))
        else:
            _created(obj, services.contact_create(
                client=obj.client, **_values(obj, services.CONTACT_FIELDS)
            ))

    def delete_one(self, obj):
        services.contact_delete(contact=obj)


@admin.register(ConfirmationRequest)
class ConfirmationRequestAdmin(ReadOnlyKeptAdmin, admin.ModelAdmin):
    """Read-only: a request is asked from the outcome's page and answered by the client's
    contact through their link (docs/confirmations.md). Its answer is the client's word, and
    its figures what they were shown: nothing here adds, changes or deletes one (they go with
    their outcome). The link itself is not shown: with it, anyone could answer in the
    contact's name."""

    list_display = ["outcome", "contact", "asked_by", "asked_at", "sent_at", "reminded_at",
                    "decision", "answered_at", "consent_card"]
    list_filter = ["decision", "consent_card", ("asked_at", admin.DateFieldListFilter)]
    list_select_related = ["outcome", "contact", "asked_by"]
    search_fields = ["outcome__title", "contact__name", "contact__email",
                     "outcome__engagement__client__name"]
    date_hierarchy = "asked_at"
    fields = ["outcome", "contact", "asked_by", "asked_at", "sent_at", "reminded_at",
              "send_attempts", "last_error", "decision", "comment", "answered_at",
              "consent_card", "consent_name", "card_slug", "figures"]

