"""The digest's pages; included at the root by config/urls.py."""

from django.urls import path

from .views import digests

app_name = "digests"

urlpatterns = [
    path("digests/preview/", digests.preview, name="preview"),
    path("digests/preferences/", digests.preferences, name="preferences"),
    path("digests/unsubscribe/<str:token>/", digests.unsubscribe, name="unsubscribe"),
    path("reminders/unsubscribe/<str:token>/", digests.unsubscribe, {"kind": "reminder"},
         name="reminder_unsubscribe"),
]
