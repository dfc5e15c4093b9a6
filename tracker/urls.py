from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.my_week, name="my_week"),
]
