from django.urls import path

from .views import confirmations

app_name = "confirmations"

urlpatterns = [
    path("outcomes/<int:pk>/confirmation-requests/", confirmations.ask, name="ask"),
    path("confirm/<str:token>/", confirmations.confirm, name="confirm"),
    path("cards/<str:slug>/", confirmations.card, name="card"),
]
