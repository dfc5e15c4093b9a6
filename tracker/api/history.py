"""/api/v1/history/?object=<type>:<id>: one object's changes, newest first, as its page shows
them (tracker/history.py).

Reach, as on the pages: while the object exists, whoever sees it (`visible_to`, as its page
and its endpoint) reads its history; once it is deleted, whoever may read its last record
(history.changes_visible_to: a time entry, an activity or a week through the consultant it
was recorded for; an engagement, an outcome or a measurement through its engagement, or the
team that ran it; a deleted client, admins only). Anything else is 404, as an object that
never was.

A week is `week:<username>/<YYYY-Www>` (the path of /api/v1/weeks/…), or the id of its
approval record.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers

from .. import history
from ..models import Change, User, WeekApproval
from ..week import parse_iso_week
from .serializers import DetailSerializer

MAX_ID = 2**63 - 1  # a database id; a larger number names nothing


class ChangeSerializer(serializers.ModelSerializer):
    """One change: when, by whom (a username; null for the system), through what, the
    action, and each field's [old, new] in plain JSON (dates ISO, decimals as strings,
    links as ids; a creation's old and a deletion's new are null)."""

    by = serializers.SerializerMethodField()
    ref = serializers.CharField(source="via_ref", read_only=True, help_text=(
        "Which one of `via`: the API token (id and name), the import batch, the command."
    ))
    changes = serializers.DictField(
        read_only=True,
        child=serializers.ListField(child=serializers.JSONField(allow_null=True),
                                    min_length=2, max_length=2),
        help_text="{field: [old, new]}",
    )

    class Meta:
        model = Change
        fields = ["at", "by", "via", "ref", "action", "changes"]
        read_only_fields = fields

    def get_by(self, change) -> str | None:
        return change.username or None


def _week_id(value: str, user) -> int | None:
    """The approval id of `alice/2026-W47` (404 for a person out of sight); None when the
    week never had a record (nothing submitted: no history)."""
    username, _, week = value.partition("/")
    try:
        monday = parse_iso_week(week)
    except ValueError as exc:
        raise exceptions.ValidationError({"object": [str(exc)]}) from None
    if "\x00" in username:  # no username has one, and PostgreSQL refuses it in a query
        raise exceptions.NotFound("No such object within your reach.")
    consultant = get_object_or_404(User.objects.visible_to(user), username=username)
    return WeekApproval.objects.filter(consultant=consultant, week_start=monday).values_list(
        "pk", flat=True
    ).first()


def parse_object(value: str, user) -> tuple[str, int | None]:
    """`<type>:<id>` -> (type, id); 400 naming `object` when it is not one."""
    object_type, _, key = (value or "").partition(":")
    if object_type not in history.MODELS:
        raise exceptions.ValidationError({"object": [
            "Name the object as <type>:<id>, the type one of "
            + ", ".join(history.MODELS) + "."
        ]})
    if object_type == history.Type.WEEK and "/" in key:
        return object_type, _week_id(key, user)
    if not key.isascii() or not key.isdigit() or not 0 < int(key) <= MAX_ID:
        raise exceptions.ValidationError({"object": ["The id is a whole number above 0."]})
    return object_type, int(key)


@extend_schema(
    parameters=[OpenApiParameter(
        "object", OpenApiTypes.STR, required=True,
        description="`<type>:<id>`, the type one of " + ", ".join(history.MODELS)
        + "; a week also as `week:<username>/<YYYY-Www>`.",
    )],
    responses={
        200: ChangeSerializer(many=True),
        400: OpenApiResponse(description="`object` missing or not `<type>:<id>`."),
        404: OpenApiResponse(DetailSerializer, description="No such object within your reach."),
    },
)
class HistoryView(generics.ListAPIView):
    serializer_class = ChangeSerializer

    def get_queryset(self):
        user = self.request.user
        object_type, object_id = parse_object(self.request.query_params.get("object", ""), user)
        if object_id is None:  # a week in sight that was never submitted: nothing happened
            return Change.objects.none()
        if not history.object_in_reach(user, object_type, object_id):
            raise exceptions.NotFound("No such object within your reach.")
        return history.of_object(object_type, object_id)
