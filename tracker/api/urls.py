from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("time-entries/", views.TimeEntryList.as_view(), name="time_entries"),
    path("time-entries/<int:pk>/", views.TimeEntryDetail.as_view(), name="time_entry"),
]
