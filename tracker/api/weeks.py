"""/api/v1/weeks/: a week's approval status, and submit / approve / return / reopen, as My week
and /weeks/ offer them (tracker/views/approvals.py), through tracker/approvals.py.

Reach: a person's weeks are read by whoever sees that person (User.objects.visible_to: the
person, their team's managers, admins); a person out of sight is 404. Who may act is the
services' rule: the consultant submits their own week; a manager of their team or an admin
approves or returns it, never their own; an admin reopens. An action the caller may not take
on a week they see is 403.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import User, WeekApproval, WeekStatus
from ..week import iso_week, parse_iso_week
from .base import PlainLimits, service_errors
from .serializers import DetailSerializer

NO_SUCH_PERSON = "No User matches the given query."  # get_object_or_404's, for one answer
WEEKS_MAX = 520  # one person's weeks, ten years: a list without `week` stays bounded


class WeekSerializer(serializers.Serializer):
    """Response only (CONTRACT.md): the week's status and its last step — who, when, and the
    comment (the submitter's note, the manager's comment, or the reason for reopening)."""

    consultant = serializers.CharField(help_text="The username.")
    week = serializers.CharField(help_text="The ISO week, e.g. 2026-W47.")
    status = serializers.ChoiceField(choices=WeekStatus.choices)
    by = serializers.CharField(allow_null=True, help_text="Username of who took the last step.")
    at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True, help_text="The consultant's note.")


def week_json(approval: WeekApproval) -> dict:
    if approval.status == WeekStatus.OPEN and approval.reopened_at:
        by, at, comment = approval.reopened_by, approval.reopened_at, approval.reopen_reason
    elif approval.status in (WeekStatus.APPROVED, WeekStatus.RETURNED):
        by, at, comment = approval.decided_by, approval.decided_at, approval.comment
    elif approval.status == WeekStatus.SUBMITTED:
        by, at, comment = approval.consultant, approval.submitted_at, approval.note
    else:  # open, never submitted
        by, at, comment = None, None, ""
    return {
        "consultant": approval.consultant.username,
        "week": iso_week(approval.week_start),
        "status": approval.status,
        "by": by.username if by else None,
        "at": at,
        "comment": comment,
        "note": approval.note,
    }


def _person(user, name: str) -> User:
    """A person `user` sees, by username; out of sight is 404 (as on the pages). A name with
    a NUL is nobody's and never reaches the database, where PostgreSQL refuses it (a 500)."""
    if "\x00" in name:
        raise exceptions.NotFound(NO_SUCH_PERSON)
    return get_object_or_404(User.objects.visible_to(user), username=name)


def _monday(value: str, field: str):
    try:
        return parse_iso_week(value)
    except ValueError as exc:
        raise exceptions.ValidationError({field: [str(exc)]}) from exc


class WeekList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("consultant", OpenApiTypes.STR,
                             description="A username (the people you see)."),
            OpenApiParameter("week", OpenApiTypes.STR, description="An ISO week: 2026-W47."),
        ],
        responses={200: WeekSerializer(many=True)},
        description="Name a consultant, a week or both. With both, the one week (status "
                    "`open` if nothing happened to it yet); with a consultant, their weeks "
                    "that were ever submitted (newest first, ten years at most); with a week, "
                    "that week of everyone you see who submitted it.",
    )
    def get(self, request):
        params = request.query_params
        name, week = params.get("consultant", "").strip(), params.get("week", "").strip()
        if not (name or week):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Name a consultant (?consultant=), a week (?week=) or both."]}
            )
        monday = _monday(week, "week") if week else None
        if name and monday:
            person = _person(request.user, name)
            return Response([week_json(services.week_status(consultant=person,
                                                            week_start=monday))])
        rows = WeekApproval.objects.visible_to(request.user).select_related(
            "consultant", "decided_by", "reopened_by"
        )
        if name:
            rows = rows.filter(consultant=_person(request.user, name))[:WEEKS_MAX]
        else:
            rows = rows.filter(week_start=monday).order_by("consultant__username")
        return Response([week_json(row) for row in rows])


class WeekActionSerializer(PlainLimits, serializers.Serializer):
    action = serializers.ChoiceField(choices=["submit", "approve", "return", "reopen"])
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_COMMENT,
        help_text="submit: a note; approve: optional; return: what to fix (required); "
                  "reopen: the reason (required).",
    )
    version = serializers.CharField(
        required=False, allow_blank=True, max_length=64,
        help_text="approve: the week's version as you last read it; an edit since refuses "
                  "the approval.",
    )


class WeekAction(APIView):
    @extend_schema(
        request=WeekActionSerializer,
        responses={
            200: WeekSerializer,
            400: OpenApiResponse(description="A step the week's status does not allow, or "
                                             "a missing comment: a message by field."),
            403: OpenApiResponse(DetailSerializer, description="Not yours to take."),
            404: OpenApiResponse(DetailSerializer, description="No such person in your "
                                                               "reach, or no such week."),
        },
    )
    def post(self, request, username: str, week: str):
        person = _person(request.user, username)
        try:
            monday = parse_iso_week(week)
        except ValueError:
            raise exceptions.NotFound("No such week.") from None
        given = WeekActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        action = given.validated_data["action"]
        comment = given.validated_data.get("comment", "")
        week_of = {"consultant": person, "week_start": monday}
        try:
            if action == "submit":
                if person.pk != request.user.pk:
                    raise PermissionDenied("Only the consultant submits their own week.")
                approval = services.week_submit(**week_of, note=comment)
            elif action == "approve":
                approval = services.week_approve(
                    **week_of, by=request.user, comment=comment,
                    version=given.validated_data.get("version") or None,
                )
            elif action == "return":
                approval = services.week_return(**week_of, by=request.user, comment=comment)
            else:
                approval = services.week_reopen(**week_of, by=request.user, reason=comment)
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or "Not yours to take.") from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the services' "note" and "reason" are our comment
                exc = ValidationError({
                    "comment" if field in ("note", "reason") else field: errors
                    for field, errors in exc.error_dict.items()
                })
            raise service_errors(exc) from exc
        return Response(week_json(approval))
