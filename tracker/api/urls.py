from django.urls import path

from . import activities, timer, views

app_name = "api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("time-entries/", views.TimeEntryList.as_view(), name="time_entries"),
    path("time-entries/<int:pk>/", views.TimeEntryDetail.as_view(), name="time_entry"),
    # Issue 12: the promotion log and the timer.
    path("activities/", activities.ActivityList.as_view(), name="activities"),
    path("activities/<int:pk>/", activities.ActivityDetail.as_view(), name="activity"),
    path("timer/", timer.TimerView.as_view(), name="timer"),
]
