"""/api/v1/reports/balance/ and /api/v1/report-runs/: the balance report's JSON (CONTRACT.md),
from the same form, reach and function as the page (reports/views/balance.py) and
`balance_report`; a run is the page's "Build in background" (report_request), followed as
/reports/<id>/ follows it."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from clients.forms import ConfirmationAskForm
from clients.models import ConfirmationRequest, Outcome
from tracker.api.serializers import DetailSerializer, KindHoursSerializer
from tracker.models import User

from .balance import Report, balance_compute, engagement_figures_seen_by
from .confirmations import confirmation_request_send
from .forms import BalanceFilterForm
from .models import PERIOD_LABELS, ReportRun
from .services import report_request

# The report's JSON, described for the schema (response only; Report.to_json() writes it).


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


def _unapproved_fields():
    """The mark beside a row's, a team's or the totals' figures (never a change of them):
    the weeks not yet approved they include. Null in a run stored before they were counted."""
    return (
        serializers.IntegerField(
            allow_null=True,
            help_text="ISO weeks (one per person and week) with time in the period that are "
                      "not approved (open, submitted or returned), summed over people; null in "
                      "a run stored before approvals were counted.",
        ),
        serializers.FloatField(
            allow_null=True,
            help_text="The hours of the period in those weeks; null as unapproved_weeks.",
        ),
    )


class BalanceTotalsSerializer(KindHoursSerializer):
    outcomes_achieved = serializers.IntegerField()
    outcomes_verified = serializers.IntegerField()
    activities = serializers.IntegerField()
    reach = serializers.IntegerField()
    leads = serializers.IntegerField()
    engagements_sourced = serializers.IntegerField()
    unapproved_weeks, unapproved_hours = _unapproved_fields()


class BalanceRowSerializer(BalanceTotalsSerializer):
    """A consultant's line: the totals' figures for one person, and theirs alone."""

    consultant = serializers.CharField(help_text="Username.")
    name = serializers.CharField(help_text="Full name; the username where there is none.")
    team = serializers.CharField(allow_null=True)
    capacity_hours = serializers.FloatField()
    promotion_share = serializers.FloatField(allow_null=True)
    flag = serializers.CharField(allow_null=True)


class BalanceTeamSerializer(KindHoursSerializer):
    team = serializers.CharField(allow_null=True)
    team_id = serializers.IntegerField(allow_null=True)
    consultants = serializers.IntegerField()
    capacity_hours = serializers.FloatField()
    promotion_share = serializers.FloatField(allow_null=True)
    outcomes_achieved = serializers.IntegerField()
    outcomes_verified = serializers.IntegerField()
    flagged = serializers.IntegerField()
    activities = serializers.IntegerField()
    reach = serializers.IntegerField()
    unapproved_weeks, unapproved_hours = _unapproved_fields()


class BalanceEngagementSerializer(serializers.Serializer):
    engagement_id = serializers.IntegerField()
    client = serializers.CharField()
    engagement = serializers.CharField()
    status = serializers.CharField()
    hours = serializers.FloatField()
    logged_hours = serializers.FloatField(allow_null=True)
    budget_hours = serializers.FloatField(allow_null=True)
    burn = serializers.FloatField(allow_null=True)
    outcomes = serializers.IntegerField()
    outcomes_achieved = serializers.IntegerField()
    progress = serializers.FloatField(allow_null=True)


class BalanceWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    client_hours = serializers.FloatField()
    promotion_hours = serializers.FloatField()
    internal_hours = serializers.FloatField()


class BalanceSourceSerializer(KindHoursSerializer):
    """The hours of the report's people and period that came in one way."""

    source = serializers.CharField(
        help_text="A time entry's `source` (e.g. toggl, api; manual entries' value).",
    )
    label = serializers.CharField(help_text='As people read it, e.g. "Toggl".')
    share = serializers.FloatField(
        allow_null=True, help_text="Of all the section's hours (0.25 = a quarter).",
    )


class BalanceReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    rows = BalanceRowSerializer(many=True)
    totals = BalanceTotalsSerializer()
    teams = BalanceTeamSerializer(many=True)
    engagements = BalanceEngagementSerializer(many=True)
    weeks = BalanceWeekSerializer(many=True)
    sources = BalanceSourceSerializer(
        many=True, help_text="Hours by source, in the order of the sources; empty in a run "
                             "stored before they were counted.",
    )


NOT_IN_REACH = "No such team, person or client within your reach."
BAD_INPUT = OpenApiResponse(description="Invalid input: a message per field; nothing written.")
OUT_OF_REACH = OpenApiResponse(DetailSerializer, description=NOT_IN_REACH)


def _filters(data: dict, user) -> BalanceFilterForm:
    """The page's filter form, valid, over `data`; 404 for a scope out of reach, as the page."""
    params = {k: v for k, v in data.items() if v not in (None, "")}
    if "start" in params or "end" in params:
        params.setdefault("period", "custom")
    form = BalanceFilterForm(params, user=user)
    if not form.is_valid():
        if form.out_of_reach():
            raise Http404(NOT_IN_REACH)
        raise exceptions.ValidationError(form.errors)
    return form


class BalanceReportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            *[OpenApiParameter(name, OpenApiTypes.INT) for name in BalanceFilterForm.REACH_FIELDS],
        ],
        responses={200: BalanceReportSerializer, 400: BAD_INPUT, 404: OUT_OF_REACH},
    )
    def get(self, request):
        form = _filters(request.query_params.dict(), request.user)
        report = balance_compute(  # as the viewer may read it (engagement_figures_seen_by)
            people=User.objects.visible_to(request.user), start=form.cleaned_data["start"],
            end=form.cleaned_data["end"], viewer=request.user, **form.scope(),
        )
        return Response(report.to_json())


# Report runs -------------------------------------------------------------------------------------


class ReportRunRequestSerializer(serializers.Serializer):
    """The balance report's parameters, as on its page (`start` and `end`, or a `period`)."""

    period = serializers.ChoiceField(
        choices=list(PERIOD_LABELS), required=False,
        help_text='A preset counted from today; "custom" (the default with start/end) uses '
                  "start and end.",
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    team = serializers.IntegerField(required=False, allow_null=True)
    consultant = serializers.IntegerField(required=False, allow_null=True)
    client = serializers.IntegerField(required=False, allow_null=True)


class RunParamsSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    team = serializers.IntegerField(allow_null=True)
    consultant = serializers.IntegerField(allow_null=True)
    client = serializers.IntegerField(allow_null=True)


class ReportRunSerializer(serializers.ModelSerializer):
    """A run as /reports/ lists it: who asked, for what, how far it got."""

    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    params = RunParamsSerializer(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = ["id", "url", "status", "progress", "error", "requested_by", "params",
                  "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_url(self, run) -> str:
        return reverse("api_report_run", args=[run.pk])


class ReportRunDetailSerializer(ReportRunSerializer):
    result = serializers.SerializerMethodField(
        help_text="When done: the balance report's JSON, as /api/v1/reports/balance/ gives it "
                  "(read from the run, not computed again); else null.",
    )

    class Meta(ReportRunSerializer.Meta):
        fields = [*ReportRunSerializer.Meta.fields, "result"]
        read_only_fields = fields

    @extend_schema_field(BalanceReportSerializer(allow_null=True))
    def get_result(self, run) -> dict | None:
        if run.status != ReportRun.Status.DONE:
            return None
        shown = Report.json_of_stored(run.result)
        # As the page shows the run: engagements' all-time figures where the caller may see them.
        seen = engagement_figures_seen_by(Report.from_stored(run.result),
                                          self.context["request"].user)
        shown["engagements"] = [engagement.to_json() for engagement in seen.engagements]
        return shown


def _runs(user):
    """The runs the caller may follow, as /reports/ lists them (their own; an admin's, all)."""
    return ReportRun.objects.visible_to(user).select_related("requested_by")


class ReportRunList(generics.ListAPIView):
    serializer_class = ReportRunSerializer

    @extend_schema(responses={
        200: ReportRunSerializer(many=True),
        404: OpenApiResponse(DetailSerializer, description="No such page."),
    })
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _runs(self.request.user).defer("result")  # the list never shows it

    @extend_schema(
        request=ReportRunRequestSerializer,
        responses={202: ReportRunDetailSerializer, 400: BAD_INPUT, 404: OUT_OF_REACH},
    )
    def post(self, request):
        """Build the report in the background, as the page's "Build in background": the same
        report still queued or running is that run again, never queued twice."""
        shape = ReportRunRequestSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = {name: value.isoformat() if hasattr(value, "isoformat") else value
                for name, value in shape.validated_data.items()}
        form = _filters(data, request.user)
        run = report_request(user=request.user, params=form.params())
        # Without a transaction around the request, the run was published already (with
        # Celery eager, even built): answer what it is now.
        run.refresh_from_db()
        url = reverse("api_report_run", args=[run.pk])
        return Response(ReportRunDetailSerializer(run, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED,
                        headers={"Location": url})


class ReportRunDetail(generics.RetrieveAPIView):
    serializer_class = ReportRunDetailSerializer

    def get_queryset(self):
        return _runs(self.request.user)

    @extend_schema(responses={200: ReportRunDetailSerializer, 404: OUT_OF_REACH})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- a client's confirmation of an outcome (docs/confirmations.md) ----------------------


class ConfirmationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    outcome = serializers.IntegerField(source="outcome_id", read_only=True)
    contact = serializers.IntegerField(
        source="contact_id", min_value=1, max_value=2**63 - 1,
        help_text="A contact of the engagement's client (/api/v1/clients/<id>/contacts/).",
    )
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    asked_by = serializers.CharField(source="asked_by.username", read_only=True,
                                     allow_null=True, default=None)
    asked_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reminded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True)
    figures = serializers.JSONField(read_only=True, help_text="The figures asked about.")
    decision = serializers.ChoiceField(
        choices=["", "confirmed", "disputed"], read_only=True,
        help_text="Empty until the contact answers.",
    )
    comment = serializers.CharField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    card_url = serializers.SerializerMethodField()

    def get_card_url(self, confirmation) -> str | None:
        if not confirmation.card_slug:
            return None
        return reverse("confirmations:card", args=[confirmation.card_slug],
                       request=self.context.get("request"))


class ConfirmationRequestList(generics.ListAPIView):
    """An outcome's requests to the client and their answers (whoever sees the outcome);
    POST asks a contact (whoever records on its engagement: 403 for others who see it)."""

    serializer_class = ConfirmationRequestSerializer
    pagination_class = None

    def outcome(self):
        return get_object_or_404(Outcome.objects.visible_to(self.request.user),
                                 pk=self.kwargs["outcome_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConfirmationRequest.objects.none()
        return self.outcome().confirmation_requests.select_related("contact", "asked_by")

    @extend_schema(responses={201: ConfirmationRequestSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(DetailSerializer),
                              404: OUT_OF_REACH})
    def post(self, request, *args, **kwargs):
        outcome = self.outcome()
        if not outcome.engagement.can_record_outcomes(request.user):
            raise exceptions.PermissionDenied(
                "Only the engagement's members and its team's managers ask the client.")
        shape = self.get_serializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = ConfirmationAskForm({"contact": shape.validated_data["contact_id"]},
                                   user=request.user, outcome=outcome,
                                   send=confirmation_request_send)
        sent = form.save() if form.is_valid() else None
        if sent is None:
            errors = {("non_field_errors" if name == "__all__" else name): messages
                      for name, messages in form.errors.items()}
            raise exceptions.ValidationError(errors)
        sent.refresh_from_db()
        return Response(self.get_serializer(sent).data, status=status.HTTP_201_CREATED)
