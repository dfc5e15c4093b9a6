"""/api/v1/activities/: the promotion log (talks, panels, webinars, podcasts, posts), with the
time spent on each and what it reached; the same reach, filters and services as /activities/
(tracker/views/activities.py).

Seen by its owner, their managers and admins; changed by its owner or an admin. Out of sight
is 404; seen but not the caller's to change is 403.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from .. import services
from ..filters import ActivityFilter
from ..forms import featured_engagement_choices
from ..models import Activity, ActivityKind
from ..views.activities import with_time_spent
from ..views.time import within_reach
from .base import PlainLimits, get_for_write, service_errors
from .serializers import DetailSerializer
from .views import filter_list


class ActivitySerializer(PlainLimits, serializers.ModelSerializer):
    """An activity in and out. The shape only: the rules (bounds, one line of title…) are
    activity_create/update's full_clean, whose refusal is the same 400."""

    spent_seconds = serializers.IntegerField(
        read_only=True,
        help_text="Promotion time logged on this activity, in seconds (as /activities/ sums).",
    )

    class Meta:
        model = Activity
        fields = [
            "id", "consultant", "kind", "title", "date", "venue", "url", "audience",
            "interactions", "leads", "engagement", "note", "spent_seconds", "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "consultant", "created_at", "updated_at"]
        extra_kwargs = {"audience": {"help_text": "People reached (the report's reach)."}}

    def __init__(self, *args, consultant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if consultant is not None:
            # The activity form's menu: the consultant's engagements, and the one it features.
            keep = self.instance.engagement_id if self.instance else None
            self.fields["engagement"].queryset = featured_engagement_choices(
                consultant, keep=keep
            )
        self.fields["engagement"].error_messages["does_not_exist"] = (
            "Choose one of your engagements."
        )


# Only the fields a caller may send reach the services.
WRITABLE = [name for name in ActivitySerializer.Meta.fields
            if name not in (*ActivitySerializer.Meta.read_only_fields, "spent_seconds")]


def _visible(user):
    return with_time_spent(
        within_reach(Activity.objects, user).select_related("consultant", "engagement__client")
    )


NOT_YOURS = "Only the person who logged this activity (or an admin) may change it."
ERRORS = {
    400: OpenApiResponse(description="Invalid input: a message per field; nothing written."),
    403: OpenApiResponse(DetailSerializer, description="Seen, but not yours to change."),
    404: OpenApiResponse(DetailSerializer, description="No such activity within your reach."),
}


class ActivityList(generics.ListCreateAPIView):
    serializer_class = ActivitySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="Dated on or after."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Dated on or before."),
            OpenApiParameter("consultant", OpenApiTypes.INT),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ActivityKind.values),
        ],
        responses={200: ActivitySerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return filter_list(ActivityFilter, _visible(self.request.user), self.request,
                           keys=("consultant", "kind"))

    @extend_schema(responses={201: ActivitySerializer, 400: ERRORS[400]})
    def post(self, request, *args, **kwargs):
        serializer = ActivitySerializer(data=request.data, consultant=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            activity = services.activity_create(
                consultant=request.user, **{name: data[name] for name in WRITABLE if name in data}
            )
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return Response(ActivitySerializer(_visible(request.user).get(pk=activity.pk)).data,
                        status=status.HTTP_201_CREATED)


class ActivityDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ActivitySerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return _visible(self.request.user)

    def _changeable(self) -> Activity:
        visible = self.get_queryset()
        user = self.request.user
        writable = visible if user.is_admin else visible.filter(consultant=user)
        return get_for_write(visible, writable, self.kwargs["pk"], why=NOT_YOURS)

    @extend_schema(responses={200: ActivitySerializer, 404: ERRORS[404]})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={200: ActivitySerializer, **ERRORS})
    def patch(self, request, *args, **kwargs):
        activity = self._changeable()
        # An admin correcting someone's activity picks among that person's engagements.
        serializer = ActivitySerializer(
            activity, data=request.data, partial=True, consultant=activity.consultant
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.activity_update(
                activity=activity, **{name: data[name] for name in WRITABLE if name in data}
            )
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return Response(ActivitySerializer(self.get_queryset().get(pk=activity.pk)).data)

    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]})
    def delete(self, request, *args, **kwargs):
        # As on the page: the time spent on it stays logged, linked to no activity.
        services.activity_delete(activity=self._changeable())
        return Response(status=status.HTTP_204_NO_CONTENT)
