from django.contrib import admin

from .models import DigestDelivery


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["week_start", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "week_start"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "message_id"]
    readonly_fields = ["message_id", "claimed_at", "sent_at", "created_at"]
