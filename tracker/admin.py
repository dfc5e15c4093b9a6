from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Activity, Team, TimeEntry, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "promotion_threshold"]
    search_fields = ["name"]
    filter_horizontal = ["managers"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "team", "is_staff"]
    list_filter = ["team", "is_staff", "is_superuser", "is_active", "digest_opt_in"]
    list_select_related = ["team"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("ClientFirst", {"fields": ["team", "timezone", "weekly_capacity_hours", "digest_opt_in"]}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("ClientFirst", {"fields": ["email", "team", "timezone", "weekly_capacity_hours"]}),
    )


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "consultant", "kind", "engagement", "hours", "billable", "source"]
    list_filter = ["kind", "billable", "source", ("date", admin.DateFieldListFilter)]
    list_select_related = ["consultant", "engagement__client"]
    search_fields = ["note", "consultant__username", "engagement__name", "external_id"]
    date_hierarchy = "date"
    autocomplete_fields = ["consultant", "engagement", "activity"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "consultant", "kind", "title", "audience", "leads"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    list_select_related = ["consultant"]
    search_fields = ["title", "venue", "consultant__username"]
    date_hierarchy = "date"
    autocomplete_fields = ["consultant", "engagement"]
