from django.contrib import admin

from .models import Client, Engagement, Outcome, OutcomeMeasurement


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "owner", "active"]
    list_filter = ["active", "sector"]
    list_select_related = ["owner"]
    search_fields = ["name", "sector"]
    autocomplete_fields = ["owner"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "team", "status", "starts_on", "ends_on", "budget_hours"]
    list_filter = ["status", "team", ("starts_on", admin.DateFieldListFilter)]
    list_select_related = ["client", "team"]
    search_fields = ["name", "client__name"]
    autocomplete_fields = ["client", "source_activity"]
    filter_horizontal = ["members"]


class OutcomeMeasurementInline(admin.TabularInline):
    model = OutcomeMeasurement
    extra = 1
    autocomplete_fields = ["recorded_by"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["title", "engagement", "metric", "baseline", "target", "status", "achieved_on",
                    "confirmed_on"]
    list_filter = ["status", "direction", ("achieved_on", admin.DateFieldListFilter)]
    list_select_related = ["engagement__client"]
    search_fields = ["title", "metric", "engagement__name", "engagement__client__name"]
    autocomplete_fields = ["engagement", "recorded_by"]
    inlines = [OutcomeMeasurementInline]
