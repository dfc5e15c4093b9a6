"""What every endpoint of /api/v1/ shares: how a service's refusal becomes a 400 (a write into
an approved week a 409), how a write on something the caller may only read becomes a 403, the
JSON parser, the exception handler, and the page-number pagination."""

import copy

from django.conf import settings
from django.core import validators
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, parsers, status, views
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


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (settings.REST_FRAMEWORK), except that a body nested deeper than
    Python's recursion limit (`[[[[…`, a few kilobytes) is a 400 like any other unreadable
    body: the json module raises RecursionError there, which DRF does not catch (a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


def exception_handler(exc, context):
    """DRF's handler (settings.REST_FRAMEWORK), after three translations: a refused credential
    is counted against the address (throttling), a service's refusal that no view caught
    answers as service_errors says, never as a 500, and a body over Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE is a JSON 400 like a malformed one (Django's own answer
    is its HTML error page)."""
    if isinstance(exc, ValidationError):
        exc = service_errors(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError(
            f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    return views.exception_handler(count_refused_credentials(exc, context), context)


class Page(PageNumberPagination):
    """Every list but time entries (cursor pagination there): `?page=` and `?page_size=`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PlainLimits:
    """A serializer whose bounds read in words people use, as the forms' do
    (tracker/widgets.plain_limit_messages): "Audience must be at most 1,000,000,000",
    never DRF's "Ensure this value is less than or equal to 1000000000". A bound the model
    already words ("Enter an audience from 0 to 1,000,000,000.") keeps its words."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            _plain_api_limits(name, field)
        return fields


def _plain_api_limits(name: str, field) -> None:
    what = str(field.label or name.replace("_", " "))
    what = what[:1].upper() + what[1:]

    def drf_default(message) -> bool:
        return str(message).startswith("Ensure ")

    worded = {
        kind: next((v.message for v in field.validators
                    if isinstance(v, kind) and not drf_default(v.message)), None)
        for kind in (validators.MaxValueValidator, validators.MinValueValidator)
    }
    # Copies: a model's validators may be shared by every serializer built from it.
    field.validators = reworded = [copy.copy(v) for v in field.validators]
    for validator in reworded:
        if not drf_default(getattr(validator, "message", "")):
            continue
        limit = getattr(validator, "limit_value", None)
        if isinstance(validator, validators.MaxLengthValidator):
            validator.message = f"{what} must be at most {limit:,} characters."
        elif isinstance(validator, validators.MaxValueValidator):
            validator.message = worded[validators.MaxValueValidator] or (
                f"{what} must be at most {limit:,}."
            )
        elif isinstance(validator, validators.MinValueValidator):
            validator.message = worded[validators.MinValueValidator] or (
                f"{what} must be at least {limit:,}."
            )
    if "max_digits" in field.error_messages:
        too_big = worded[validators.MaxValueValidator] or f"{what} is too large a number."
        places = getattr(field, "decimal_places", None)
        field.error_messages.update({"max_digits": too_big, "max_whole_digits": too_big})
        if places is not None:
            field.error_messages["max_decimal_places"] = (
                f"{what} can have at most {places} decimal{'' if places == 1 else 's'}."
            )
