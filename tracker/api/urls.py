from django.urls import path

from clients import api as clients_api

from . import activities, history, timer, views, weeks

app_name = "api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("time-entries/", views.TimeEntryList.as_view(), name="time_entries"),
    path("time-entries/<int:pk>/", views.TimeEntryDetail.as_view(), name="time_entry"),
    # Issue 12: the promotion log and the timer.
    path("activities/", activities.ActivityList.as_view(), name="activities"),
    path("activities/<int:pk>/", activities.ActivityDetail.as_view(), name="activity"),
    path("timer/", timer.TimerView.as_view(), name="timer"),
    # Week approval (issue 13): status, submit, approve, return, reopen.
    path("weeks/", weeks.WeekList.as_view(), name="weeks"),
    path("weeks/<str:username>/<str:week>/", weeks.WeekAction.as_view(), name="week"),
    # Each object's history (issue 13): ?object=<type>:<id>.
    path("history/", history.HistoryView.as_view(), name="history"),
    # Clients, engagements, outcomes and their measurements (clients/api.py).
    path("clients/", clients_api.ClientList.as_view(), name="clients"),
    path("clients/<int:pk>/", clients_api.ClientDetail.as_view(), name="client"),
    path("clients/<int:client_pk>/contacts/", clients_api.ContactList.as_view(),
         name="client_contacts"),
    path("engagements/", clients_api.EngagementList.as_view(), name="engagements"),
    path("engagements/<int:pk>/", clients_api.EngagementDetail.as_view(), name="engagement"),
    path("outcomes/", clients_api.OutcomeList.as_view(), name="outcomes"),
    path("outcomes/<int:pk>/", clients_api.OutcomeDetail.as_view(), name="outcome"),
    path("outcomes/<int:outcome_pk>/measurements/", clients_api.MeasurementList.as_view(),
         name="measurements"),
    path("outcomes/<int:outcome_pk>/measurements/<int:pk>/",
         clients_api.MeasurementDetail.as_view(), name="measurement"),
]
