"""/api/v1/me/ and /api/v1/time-entries/: the same reach, services and figures as /time/ and
My week (tracker/views/time.py, tracker/views/week.py). Out of reach is 404."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import figures, services
from ..filters import TimeEntryFilter
from ..models import ApiToken, Kind, TimeEntry, entry_week_status
from ..views.time import within_reach
from ..week import week_start_of
from .base import get_for_write, service_errors
from .serializers import DetailSerializer, MeSerializer, TimeEntrySerializer

IDEMPOTENCY_KEY_MAX = 80  # stored in external_id (100) after the caller's id


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        monday = week_start_of(user.today())
        week = figures.kind_seconds(
            TimeEntry.objects.filter(consultant=user).in_period(
                monday, monday + dt.timedelta(days=6)
            )
        )
        # Objects, not names, so a script can pass a team's id to the filters and reports;
        # a team the caller both belongs to and manages is listed once, as managed.
        managed = user.managed_team_list
        teams = [(team, "manager") for team in managed]
        if user.team and user.team not in managed:
            teams.insert(0, (user.team, "member"))
        return Response(MeSerializer({
            "username": user.username,
            "full_name": user.get_full_name(),
            "role": str(user.role),
            "teams": [{"id": team.pk, "name": team.name, "role": role} for team, role in teams],
            "week": {
                "start": monday,
                "client_hours": figures.hours(week.client),
                "promotion_hours": figures.hours(week.promotion),
                "internal_hours": figures.hours(week.internal),
                "total_hours": figures.hours(week.total),
            },
        }).data)


def request_token(request) -> ApiToken | None:
    """The token a request authenticated with (BearerTokenAuthentication); None through the
    browser session."""
    return request.auth if isinstance(request.auth, ApiToken) else None


class EntryCursor(CursorPagination):
    # Newest first, the id breaking ties: stable while entries are added.
    ordering = ("-date", "-id")
    page_size = 100


# The API's filter names (CONTRACT.md) on the list's own filter set.
FILTER_NAMES = {"start": "date_from", "end": "date_to"}
FILTER_KEYS = ("consultant", "team", "client", "engagement", "kind", "billable", "source",
               "approved")


def filter_list(filterset_class, queryset, request, *, keys=FILTER_KEYS):
    """`queryset` through the page's filter set, read from the API's names (`start`, `end`
    and `keys`): a filter naming something out of reach is 404 as on the page, a bad value
    400 under the name the caller sent."""
    params = request.query_params
    data = {FILTER_NAMES.get(k, k): params[k] for k in (*FILTER_NAMES, *keys)
            if params.get(k) not in (None, "")}
    listed = filterset_class(data, queryset=queryset, request=request)
    listed.check_reach()
    if not listed.form.is_valid():
        api_names = {v: k for k, v in FILTER_NAMES.items()}
        raise exceptions.ValidationError({
            api_names.get(name, name): messages for name, messages in listed.form.errors.items()
        })
    return listed.qs


@extend_schema_view(
    get=extend_schema(parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE),
        *[OpenApiParameter(name, OpenApiTypes.INT)
          for name in ("consultant", "team", "client", "engagement")],
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Kind.values),
        OpenApiParameter("billable", OpenApiTypes.BOOL),
        OpenApiParameter("source", OpenApiTypes.STR, enum=TimeEntry.Source.values,
                         description="Where the entries came from."),
        OpenApiParameter("approved", OpenApiTypes.STR, enum=["yes", "no"],
                         description="Entries whose week is approved (yes) or not (no)."),
    ]),
    post=extend_schema(
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
                             description="A retry with the same key never logs the time twice."),
        ],
        responses={
            201: TimeEntrySerializer,
            200: OpenApiResponse(TimeEntrySerializer, description=(
                "A retry with an Idempotency-Key already used: the entry it logged then, "
                "nothing logged again."
            )),
        },
        examples=[OpenApiExample("An hour and a half of client work", request_only=True, value={
            "date": "2026-11-02", "duration": "1:30", "kind": "client", "engagement": 12,
            "note": "kick-off",
        })],
    ),
)
class TimeEntryList(generics.ListCreateAPIView):
    serializer_class = TimeEntrySerializer
    pagination_class = EntryCursor

    def get_queryset(self):
        entries = within_reach(TimeEntry.objects, self.request.user)
        # Each entry's week status in the list's own query, not one query per entry.
        entries = entries.annotate(week_status=entry_week_status())
        return filter_list(TimeEntryFilter, entries, self.request)

    def create(self, request, *args, **kwargs):
        user = request.user
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise exceptions.ValidationError(
                {"Idempotency-Key": f"At most {IDEMPOTENCY_KEY_MAX} characters."}
            )
        if not key.isprintable():
            # A control character (a NUL) would reach the query, which PostgreSQL refuses.
            raise exceptions.ValidationError(
                {"Idempotency-Key": "Use printable characters only (e.g. a UUID)."}
            )
        external_id = f"{user.pk}:{key}" if key else ""
        if key and (earlier := self._replayed(external_id)):
            return Response(TimeEntrySerializer(earlier).data, status=status.HTTP_200_OK)
        serializer = TimeEntrySerializer(data=request.data, consultant=user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                entry = services.time_entry_create(
                    consultant=user, date=data["date"], seconds=data["seconds"],
                    kind=data["kind"], engagement=data.get("engagement"),
                    activity=data.get("activity"), note=data.get("note", ""),
                    billable=data.get("billable"), source=TimeEntry.Source.API,
                    external_id=external_id, api_token=request_token(request),
                )
        except ValidationError as exc:
            # Two retries at once: the second meets the first's key in the unique index.
            if key and (earlier := self._replayed(external_id)):
                return Response(TimeEntrySerializer(earlier).data, status=status.HTTP_200_OK)
            raise service_errors(exc) from exc
        except IntegrityError:
            if key and (earlier := self._replayed(external_id)):
                return Response(TimeEntrySerializer(earlier).data, status=status.HTTP_200_OK)
            raise
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def _replayed(self, external_id: str) -> TimeEntry | None:
        """The entry the caller logged with this key, to answer a retry with.

        The key names the caller (`<user id>:<key>`), but an admin may since have moved the
        entry to someone else (/admin/): a retry then must not answer with that person's
        entry, and the key cannot log a second one (the unique index), so it is refused."""
        earlier = TimeEntry.objects.filter(
            source=TimeEntry.Source.API, external_id=external_id
        ).first()
        if earlier is not None and earlier.consultant_id != self.request.user.pk:
            raise exceptions.ValidationError({"Idempotency-Key": (
                "This key was used for an entry that is no longer yours: send a new key."
            )})
        return earlier


NOT_IN_SIGHT = OpenApiResponse(DetailSerializer, description="No such entry within your reach.")
NOT_YOURS = OpenApiResponse(DetailSerializer, description="In sight (a manager's team) but "
                                                          "not yours to change.")


@extend_schema_view(
    get=extend_schema(responses={200: TimeEntrySerializer, 404: NOT_IN_SIGHT}),
    patch=extend_schema(responses={
        200: TimeEntrySerializer, 403: NOT_YOURS, 404: NOT_IN_SIGHT,
        400: OpenApiResponse(description="Invalid input: a message per field; nothing written."),
    }, examples=[
        OpenApiExample("Two hours instead", request_only=True, value={"duration": "2h"}),
    ]),
    delete=extend_schema(responses={204: None, 403: NOT_YOURS, 404: NOT_IN_SIGHT}),
)
class TimeEntryDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = TimeEntrySerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return within_reach(TimeEntry.objects, self.request.user).annotate(
            week_status=entry_week_status()
        )

    def _changeable(self) -> TimeEntry:
        """As on /time/ (_get_entry_for_user): the owner changes an entry, or an admin. A
        manager reads their team's entries but may not change them: 403 (CONTRACT.md), where
        the page answers 404. Out of sight is 404."""
        visible = self.get_queryset()
        writable = visible if self.request.user.is_admin else visible.filter(
            consultant=self.request.user
        )
        return get_for_write(
            visible, writable, self.kwargs["pk"],
            why="Only the person who logged this entry (or an admin) may change it.",
        )

    def partial_update(self, request, *args, **kwargs):
        entry = self._changeable()
        serializer = TimeEntrySerializer(
            entry, data=request.data, partial=True, consultant=entry.consultant
        )
        serializer.is_valid(raise_exception=True)
        try:
            entry = services.time_entry_update(entry=entry, **serializer.validated_data)
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return Response(TimeEntrySerializer(entry).data)

    def destroy(self, request, *args, **kwargs):
        services.time_entry_delete(entry=self._changeable())
        return Response(status=status.HTTP_204_NO_CONTENT)
