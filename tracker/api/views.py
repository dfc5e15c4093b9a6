"""/api/v1/me/ and /api/v1/time-entries/: the same reach, services and figures as /time/ and
My week (tracker/views/time.py, tracker/views/week.py). Out of reach is 404."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import figures, services
from ..filters import TimeEntryFilter
from ..models import Kind, TimeEntry
from ..views.time import within_reach
from ..week import week_start_of
from .base import service_errors
from .serializers import TimeEntrySerializer

IDEMPOTENCY_KEY_MAX = 80  # stored in external_id (100) after the caller's id


class MeView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        user = request.user
        monday = week_start_of(user.today())
        week = figures.kind_seconds(
            TimeEntry.objects.filter(consultant=user).in_period(
                monday, monday + dt.timedelta(days=6)
            )
        )
        teams = [user.team] if user.team else []
        teams += [team for team in user.managed_team_list if team not in teams]
        return Response({
            "username": user.username,
            "full_name": user.get_full_name(),
            "role": str(user.role),
            "teams": [team.name for team in teams],
            "week": {
                "start": monday.isoformat(),
                "client_hours": figures.hours(week.client),
                "promotion_hours": figures.hours(week.promotion),
                "internal_hours": figures.hours(week.internal),
                "total_hours": figures.hours(week.total),
            },
        })


class EntryCursor(CursorPagination):
    # Newest first, the id breaking ties: stable while entries are added.
    ordering = ("-date", "-id")
    page_size = 100


# The API's filter names (CONTRACT.md) on the list's own filter set.
FILTER_NAMES = {"start": "date_from", "end": "date_to"}
FILTER_KEYS = ("consultant", "team", "client", "engagement", "kind", "billable")


@extend_schema_view(
    get=extend_schema(parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE),
        *[OpenApiParameter(name, OpenApiTypes.INT)
          for name in ("consultant", "team", "client", "engagement")],
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Kind.values),
        OpenApiParameter("billable", OpenApiTypes.BOOL),
    ]),
    post=extend_schema(parameters=[
        OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
                         description="A retry with the same key never logs the time twice."),
    ]),
)
class TimeEntryList(generics.ListCreateAPIView):
    serializer_class = TimeEntrySerializer
    pagination_class = EntryCursor

    def get_queryset(self):
        entries = within_reach(TimeEntry.objects, self.request.user)
        params = self.request.query_params
        data = {FILTER_NAMES.get(k, k): params[k] for k in (*FILTER_NAMES, *FILTER_KEYS)
                if params.get(k) not in (None, "")}
        listed = TimeEntryFilter(data, queryset=entries, request=self.request)
        listed.check_reach()
        if not listed.form.is_valid():
            errors = {
                {v: k for k, v in FILTER_NAMES.items()}.get(name, name): messages
                for name, messages in listed.form.errors.items()
            }
            raise exceptions.ValidationError(errors)
        return listed.qs

    def create(self, request, *args, **kwargs):
        user = request.user
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise exceptions.ValidationError(
                {"Idempotency-Key": f"At most {IDEMPOTENCY_KEY_MAX} characters."}
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
                    external_id=external_id,
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

    @staticmethod
    def _replayed(external_id: str) -> TimeEntry | None:
        return TimeEntry.objects.filter(
            source=TimeEntry.Source.API, external_id=external_id
        ).first()


class TimeEntryDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = TimeEntrySerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return within_reach(TimeEntry.objects, self.request.user)

    def _changeable(self) -> TimeEntry:
        """As on /time/ (_get_entry_for_user): the owner changes an entry, or an admin; a
        manager only reads it. Anyone else's write answers 404, as the pages do."""
        entries = self.get_queryset()
        if not self.request.user.is_admin:
            entries = entries.filter(consultant=self.request.user)
        return get_object_or_404(entries, pk=self.kwargs["pk"])

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
