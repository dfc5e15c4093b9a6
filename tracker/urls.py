from django.urls import path

from .views import activities, approvals, history, imports, options, time, week

app_name = "tracker"

urlpatterns = [
    path("", week.my_week, name="my_week"),
    path("week/cell/", week.week_cell, name="week_cell"),
    path("time/", time.time_list, name="time_list"),
    path("time/new/", time.time_new, name="time_new"),
    path("time/<int:pk>/edit/", time.time_edit, name="time_edit"),
    path("time/<int:pk>/duplicate/", time.time_duplicate, name="time_duplicate"),
    path("time/<int:pk>/delete/", time.time_delete, name="time_delete"),
    path("time/timer/start/", time.timer_start, name="timer_start"),
    path("time/timer/stop/", time.timer_stop, name="timer_stop"),
    path("time/timer/discard/", time.timer_discard, name="timer_discard"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    path("weeks/", approvals.week_list, name="week_list"),
    path("weeks/submit/", approvals.week_submit, name="week_submit"),
    path("weeks/<str:username>/<str:week>/", approvals.week_detail, name="week_detail"),
    path("history/", history.history_list, name="history_list"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/uploads/<int:pk>/", imports.import_preview, name="import_preview"),
    path("imports/uploads/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/", imports.import_batch, name="import_batch"),
    path("imports/<int:pk>/status/", imports.import_batch_status, name="import_batch_status"),
    path("imports/<int:pk>/undo/", imports.import_batch_undo, name="import_batch_undo"),
    # A long menu's options, searched by static/js/picker.js (tracker.pickers).
    path("options/<slug:kind>/", options.options, name="options"),
]
