"""/api/v1/timer/: the caller's one running timer, as the timer on /time/ and My week
(tracker/views/time.py): started, stopped into time entries, or discarded through
tracker/services.py. A timer is its owner's alone: nobody reads or stops another's."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Engagement

from .. import services
from ..forms import activity_choices, engagement_choices
from ..models import Activity, Kind, RunningTimer
from ..views.time import running_timer, timer_elapsed
from .base import PlainLimits, service_errors
from .serializers import DetailSerializer, TimeEntrySerializer

NOT_RUNNING = "No timer is running."


class TimerConflict(exceptions.APIException):
    """409: the request is well formed but the timer is not in the state it needs."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TimerSerializer(serializers.Serializer):
    """Response only. Not running: `{"running": false}` alone; running: every field."""

    running = serializers.BooleanField()
    # required=False: the schema lets them be absent, as they are when nothing runs.
    started_at = serializers.DateTimeField(required=False)
    elapsed_seconds = serializers.IntegerField(
        required=False, help_text="Seconds since it started, as the page's clock shows."
    )
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    engagement = serializers.IntegerField(required=False, allow_null=True,
                                          source="engagement_id")
    activity = serializers.IntegerField(required=False, allow_null=True, source="activity_id")
    note = serializers.CharField(required=False, allow_blank=True)
    billable = serializers.BooleanField(required=False)

    @classmethod
    def of(cls, timer: RunningTimer | None) -> dict:
        return {"running": False} if timer is None else cls(timer).data

    def to_representation(self, timer: RunningTimer):
        timer.running = True
        timer.elapsed_seconds = timer_elapsed(timer)
        return super().to_representation(timer)


class TimerActionSerializer(PlainLimits, serializers.Serializer):
    """What to do. For "start", what the timer is for: the fields of the page's start form,
    with the same menus (the caller's active engagements, their own activities); the rules
    for an entry of today are services.timer_start's."""

    action = serializers.ChoiceField(choices=["start", "stop", "discard"])
    kind = serializers.ChoiceField(choices=Kind.choices, required=False,
                                   help_text='Required for "start".')
    engagement = serializers.PrimaryKeyRelatedField(
        queryset=Engagement.objects.none(),
        required=False, allow_null=True,
        error_messages={"does_not_exist": "Choose an active engagement you are a member of."},
    )
    activity = serializers.PrimaryKeyRelatedField(
        queryset=Activity.objects.none(),
        required=False, allow_null=True,
        error_messages={"does_not_exist": "Choose one of your own activities."},
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    billable = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Left out: client work is billable, other kinds never are.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # None: the schema generator's instance
            self.fields["engagement"].queryset = engagement_choices(user)
            self.fields["activity"].queryset = activity_choices(user)

    def validate(self, data):
        if data["action"] == "start" and not data.get("kind"):
            raise serializers.ValidationError({"kind": "This field is required to start."})
        return data


class TimerView(APIView):
    @extend_schema(responses={200: TimerSerializer})
    def get(self, request):
        return Response(TimerSerializer.of(running_timer(request.user)))

    @extend_schema(
        request=TimerActionSerializer,
        responses={
            201: OpenApiResponse(TimerSerializer, description="start: the timer now running."),
            200: OpenApiResponse(TimeEntrySerializer(many=True),
                                 description="stop: the entries it logged, one per day."),
            204: OpenApiResponse(description="discard: thrown away, nothing logged."),
            400: OpenApiResponse(description="Invalid input, or a stop the rules refuse "
                                             "(e.g. over 24 hours): messages by field."),
            409: OpenApiResponse(DetailSerializer, description=(
                "start while one runs; stop or discard when none does; a start or stop in an "
                "approved week (the message names it and who approved it)."
            )),
        },
    )
    def post(self, request):
        action = TimerActionSerializer(data=request.data, user=request.user)
        action.is_valid(raise_exception=True)
        data = action.validated_data
        user = request.user
        if data["action"] == "start":
            try:
                timer = services.timer_start(
                    consultant=user, kind=data["kind"], engagement=data.get("engagement"),
                    activity=data.get("activity"), note=data["note"], billable=data["billable"],
                )
            except ValidationError as exc:
                # One runs already: refused, as on the page, which keeps the one running.
                if getattr(exc, "code", None) == "running":
                    raise TimerConflict(exc.messages[0]) from exc
                raise service_errors(exc) from exc
            return Response(TimerSerializer.of(timer), status=status.HTTP_201_CREATED)
        if data["action"] == "stop":
            try:
                entries = services.timer_stop(consultant=user)
            except RunningTimer.DoesNotExist:
                raise TimerConflict(NOT_RUNNING) from None
            except ValidationError as exc:
                raise service_errors(exc) from exc
            return Response(TimeEntrySerializer(entries, many=True).data)
        if not services.timer_discard(consultant=user):
            raise TimerConflict(NOT_RUNNING)
        return Response(status=status.HTTP_204_NO_CONTENT)
