from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.views.health import healthz

urlpatterns = [
    path("", include("tracker.urls")),
    path("", include("clients.urls")),
    path("", include("reports.urls")),
    path("", include("reports.urls_digests")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
