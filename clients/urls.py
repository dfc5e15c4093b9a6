from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.ClientListView.as_view(), name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_update, name="client_update"),
    path("clients/<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_update,
         name="contact_update"),
    path("clients/<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete,
         name="contact_delete"),
    path("engagements/", views.EngagementListView.as_view(), name="engagement_list"),
    path("engagements/new/", views.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/edit/", views.engagement_update, name="engagement_update"),
    path("outcomes/", views.OutcomeListView.as_view(), name="outcome_list"),
    path("outcomes/new/", views.outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/", views.outcome_detail, name="outcome_detail"),
    path("outcomes/<int:pk>/edit/", views.outcome_update, name="outcome_update"),
    path("measurements/<int:pk>/edit/", views.measurement_update, name="measurement_update"),
    path("measurements/<int:pk>/delete/", views.measurement_delete, name="measurement_delete"),
]
