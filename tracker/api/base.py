"""What every endpoint of /api/v1/ shares: how a service's refusal becomes a 400, how a write
on something the caller may only read becomes a 403, and the page-number pagination."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


def service_errors(exc: ValidationError) -> exceptions.ValidationError:
    """A service's refusal as DRF's 400 with field errors (nothing was written)."""
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


class Page(PageNumberPagination):
    """Every list but time entries (cursor pagination there): `?page=` and `?page_size=`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
