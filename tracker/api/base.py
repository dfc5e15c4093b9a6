"""What every endpoint of /api/v1/ shares: how a service's refusal becomes a 400 (a write into
an approved week a 409), how a write on something the caller may only read becomes a 403, the
exception handler, and the page-number pagination."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, status, views
from rest_framework.pagination import PageNumberPagination

from ..approvals import WeekLocked
from .throttling import count_refused_credentials


class Locked(exceptions.APIException):
    """409: the week is approved. The message names the week and who approved it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "locked"


def service_errors(exc: ValidationError) -> exceptions.APIException:
    """A service's refusal as DRF's 400 with field errors, or 409 for an approved week
    (CONTRACT.md "REST API"); either way nothing was written."""
    if isinstance(exc, WeekLocked):
        return Locked(" ".join(exc.messages))
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def get_for_write(visible: QuerySet, writable: QuerySet, pk, *, why: str):
    """The object for a write (CONTRACT.md "REST API"): out of the caller's sight is 404, as
    on the pages; in sight but not theirs to change is 403 with `why`, so a script learns
    it may read what it may not write."""
    obj = get_object_or_404(visible, pk=pk)
    if not writable.filter(pk=obj.pk).exists():
        raise exceptions.PermissionDenied(why)
    return obj


def exception_handler(exc, context):
    """DRF's handler (settings.REST_FRAMEWORK), after two translations: a refused credential
    is counted against the address (throttling), and a service's refusal that no view caught
    answers as service_errors says, never as a 500."""
    if isinstance(exc, ValidationError):
        exc = service_errors(exc)
    return views.exception_handler(count_refused_credentials(exc, context), context)


class Page(PageNumberPagination):
    """Every list but time entries (cursor pagination there): `?page=` and `?page_size=`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
