from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..health import broker_health, database_health


@require_GET
@never_cache
def healthz(request):
    status = {"database": database_health(), "broker": broker_health()}
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
