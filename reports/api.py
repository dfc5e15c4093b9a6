"""/api/v1/reports/balance/: the balance report's JSON (CONTRACT.md), from the same form,
reach and function as the page (reports/views/balance.py) and `balance_report`."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.models import User

from .balance import balance_compute
from .forms import BalanceFilterForm


class BalanceReportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            *[OpenApiParameter(name, OpenApiTypes.INT) for name in BalanceFilterForm.REACH_FIELDS],
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if v}
        if "start" in params or "end" in params:
            params.setdefault("period", "custom")
        form = BalanceFilterForm(params, user=request.user)
        if not form.is_valid():
            if form.out_of_reach():
                raise Http404("No such team, person or client within your reach.")
            raise exceptions.ValidationError(form.errors)
        report = balance_compute(
            people=User.objects.visible_to(request.user), start=form.cleaned_data["start"],
            end=form.cleaned_data["end"], **form.scope(),
        )
        return Response(report.to_json())
