from django.urls import path

from .views import balance, saved, team

app_name = "reports"

urlpatterns = [
    path("team/", team.team_page, name="team"),
    path("reports/balance/", balance.balance, name="balance"),
    path("reports/balance/build/", balance.balance_build, name="build"),
    path("reports/", balance.run_list, name="runs"),
    path("reports/<int:pk>/", balance.run_detail, name="run"),
    path("reports/<int:pk>/status/", balance.run_status, name="run_status"),
    path("reports/<int:pk>/retry/", balance.run_retry, name="run_retry"),
    path("reports/saved/", balance.saved_list, name="saved"),
    path("reports/saved/<int:pk>/delete/", balance.saved_delete, name="saved_delete"),
    path("reports/saved/<int:pk>/edit/", saved.saved_edit, name="saved_edit"),
    path("reports/saved/<int:pk>/send/", saved.saved_send, name="saved_send"),
]
