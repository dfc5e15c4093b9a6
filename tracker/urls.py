from django.urls import path

from .views import week

app_name = "tracker"

urlpatterns = [
    path("", week.my_week, name="my_week"),
]
