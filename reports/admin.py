from django.contrib import admin

from .models import DigestDelivery, ReportRun, SavedReport, SavedReportDelivery


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["week_start", "kind", "recipient", "status", "attempts", "next_attempt_at",
                    "sent_at", "last_error"]
    list_filter = ["kind", "status", "week_start"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "message_id"]
    readonly_fields = ["message_id", "claimed_at", "sent_at", "created_at"]
    actions = ["retry_failed"]

    @admin.action(description="Retry the selected failed digests")
    def retry_failed(self, request, queryset):
        # Failed rows are final for the planner; an admin sends them again on purpose.
        count = queryset.filter(status=DigestDelivery.Status.FAILED).update(
            status=DigestDelivery.Status.PENDING, next_attempt_at=None, last_error=""
        )
        self.message_user(request, f"{count} digest(s) will be sent by the next planner run.")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "requested_by", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    readonly_fields = ["params", "result", "error", "created_at", "published_at", "started_at",
                       "finished_at"]


class SavedReportDeliveryInline(admin.TabularInline):
    model = SavedReportDelivery
    extra = 0
    readonly_fields = ["period_start", "period_end", "sent_at", "recipients"]


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "schedule", "created_at"]
    list_filter = ["schedule"]
    list_select_related = ["owner"]
    filter_horizontal = ["recipients"]
    inlines = [SavedReportDeliveryInline]
