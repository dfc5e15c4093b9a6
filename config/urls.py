from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reports.api import (
    BalanceReportView,
    ConfirmationRequestList,
    ReportRunDetail,
    ReportRunList,
)
from tracker.views import accounts, profile
from tracker.views.health import healthz

urlpatterns = [
    path("", include("tracker.urls")),
    path("", include("clients.urls")),
    path("", include("reports.urls")),
    path("", include("reports.urls_digests")),
    path("", include("reports.urls_confirmations")),
    path("api/v1/outcomes/<int:outcome_pk>/confirmation-requests/",
         ConfirmationRequestList.as_view(), name="api_confirmation_requests"),
    path("api/v1/", include("tracker.api.urls")),
    path("api/v1/reports/balance/", BalanceReportView.as_view(), name="api_balance"),
    path("api/v1/report-runs/", ReportRunList.as_view(), name="api_report_runs"),
    path("api/v1/report-runs/<int:pk>/", ReportRunDetail.as_view(), name="api_report_run"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI. The split view serves its start-up script as a file of its own
    # (?script=), and our template keeps its styles in a file, so the page runs under the
    # site's policy unchanged. Signed-in people only, like the schema it reads: a browser
    # without a session goes to the log-in page rather than meeting a 401.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(
        url_name="api_schema", template_name="api/swagger_ui.html")), name="api_docs"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile.profile, name="profile"),
    path("accounts/profile/reminder/", profile.reminder_set, name="profile_reminder"),
    path("accounts/profile/tokens/<int:pk>/revoke/", profile.token_revoke,
         name="token_revoke"),
    path("accounts/profile/sessions/log-out-others/", profile.sessions_end_others,
         name="sessions_end_others"),
    # Django's names, which its views redirect to.
    path("accounts/password_change/", accounts.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("admin/", admin.site.urls),
]

# A path under /api/ that matches no endpoint answers JSON, as the endpoints do.
handler404 = "tracker.api.errors.not_found"
# A request that lost the database answers 503, not 500 (config/errors.py).
handler500 = "config.errors.server_error"
