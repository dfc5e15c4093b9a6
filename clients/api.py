"""/api/v1/clients/, /engagements/, /outcomes/ and /outcomes/<id>/measurements/: the same
reach, rules, services and figures as the pages (clients/views.py).

Reads start from the pages' querysets (`visible_to`, with the figures the lists show:
`with_counts`, `with_totals`, `with_progress`) and filter with the pages' FilterSets, so the
API lists exactly what /clients/, /engagements/ and /outcomes/ list.

Writes go through the pages' own forms, given what the form would have posted: the same
choices (members among the people the editor sees), the same input rules (no reading dated in
the future), the same check of the version an edit started from, and the same services behind
form.save(). A PATCH posts the form with the object's current values for what it leaves out.
The serializers here only check the shape of the input (types, ids as integers) and describe
it for the OpenAPI schema; whether an id may be chosen is the form's question, so a missing id
and one out of reach get the same message.

Out of sight is 404; in sight but not the caller's to change is 403 (the pages answer 404
there; CONTRACT.md "REST API").
"""

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch, ProtectedError
from django.forms import ModelMultipleChoiceField
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from tracker import figures
from tracker.api.base import PlainLimits, get_for_write, service_errors
from tracker.models import User

from . import services
from .filters import ClientFilter, EngagementFilter, OutcomeFilter
from .forms import (
    ClientForm,
    ConfirmationForm,
    ContactForm,
    EngagementForm,
    MeasurementForm,
    OutcomeForm,
    OutcomeStatusForm,
)
from .models import Client, ClientContact, Engagement, Outcome, OutcomeMeasurement

MAX_ID = 2**63 - 1  # the database's integer range: a bigger id is refused as input, not a 500

ONLY_ADMINS = "Only admins manage clients."
ONLY_PLANNERS = "Only managers and admins plan engagements."
ONLY_RECORDERS = "Only the engagement's members and its team's managers record on it."

# --- the shape of the input, and the answers ------------------------------------------------


class Id(serializers.IntegerField):
    """An object's id. Only its shape: whether it may be chosen is the form's question."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdList(serializers.ListField):
    """The ids of a many-to-many relation (read from its prefetch)."""

    def __init__(self, **kwargs):
        super().__init__(child=Id(), **kwargs)

    def to_representation(self, data):
        return [item.pk for item in data.all()]


class VersionField(serializers.CharField):
    def __init__(self):
        super().__init__(
            write_only=True, required=False, allow_blank=True, max_length=200,
            help_text=(
                "The version the edit started from: the ETag of the GET (or send it as "
                "If-Match). A field changed elsewhere since then is refused with 412."
            ),
        )


class StaleEdit(exceptions.APIException):
    """The edit started from an older version and a field it sets was changed since."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This was changed elsewhere since your version."


class StillUsed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


REFUSAL = inline_serializer("ClientsRefusal", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Messages by field (`non_field_errors` for the whole); nothing was written.",
)
ANSWERS = {
    400: FIELD_ERRORS,
    401: OpenApiResponse(REFUSAL, description="No, or a revoked or expired, token."),
    403: OpenApiResponse(REFUSAL, description="In sight, but not yours to change."),
    404: OpenApiResponse(REFUSAL, description="Not there, or out of your reach."),
    409: OpenApiResponse(REFUSAL, description="Still used by records that keep it."),
    412: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Changed elsewhere since your version: what is saved now, by field.",
    ),
}
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag the edit started from (or send it as `version`).",
)
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
    description="This version, for If-Match on the next edit.",
)


def answers(ok: dict, *codes: int) -> dict:
    return {**ok, 401: ANSWERS[401], **{code: ANSWERS[code] for code in codes}}


def detail_schema(serializer, *, put: bool, delete: tuple[int, ...] = ()):
    """The OpenAPI description of a detail view (read, edit, delete)."""
    edit = extend_schema(parameters=[IF_MATCH, ETAG],
                         responses=answers({200: serializer}, 400, 403, 404, 412))
    views = {
        "get": extend_schema(parameters=[ETAG], responses=answers({200: serializer}, 404)),
        "patch": edit,
        "delete": extend_schema(responses=answers({204: None}, 403, 404, *delete)),
    }
    if put:
        views["put"] = edit
    return extend_schema_view(**views)


def list_schema(serializer, *, create: dict | None = None, refusals=(403,)):
    """A list (400 on a bad filter, 404 on one out of reach or a page past the end) and its
    create."""
    return extend_schema_view(
        get=extend_schema(responses=answers({200: serializer(many=True)}, 400, 404)),
        post=extend_schema(
            **(create or {}), parameters=[ETAG],
            responses=answers({201: serializer}, 400, *refusals),
        ),
    )


# --- reads: the pages' filters ----------------------------------------------------------------


class ReachFilterBackend(DjangoFilterBackend):
    """The page's FilterSet as the page uses it (tracker.views.lists.FilteredListView): a
    filter naming an object out of reach answers 404, a bad value 400 naming the filter (the
    page shows nothing then)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        filterset.check_reach()
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


# OutcomeFilter's "credited" filters share a method, so the schema cannot guess their type:
# ids, as the page's menus post them.
for _name in ("credited_to", "team"):
    extend_schema_field(OpenApiTypes.INT)(OutcomeFilter.base_filters[_name])


# --- writes: the pages' forms -----------------------------------------------------------------


def _posted(values: dict) -> QueryDict:
    """`values` as a browser posts them to the form."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, list | tuple):
            data.setlist(name, [str(item) for item in value])
        elif value is None:
            data[name] = ""
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)  # True/False: the checkbox widget reads both
    return data


def _shown(form) -> dict:
    """What an unbound form shows, as a browser would post it back unchanged: the object's
    values, or a new one's defaults. Of a many-to-many, only the choices it offers: members
    the editor may not see are kept by the service."""
    values = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, ModelMultipleChoiceField) and value:
            value = list(field.queryset.filter(pk__in=value).values_list("pk", flat=True))
        values[name] = value
    values.pop("version", None)  # the caller's version, or none: never today's
    return values


def _input(serializer) -> dict:
    """The validated input by the API's (and the form's) field names."""
    data = serializer.validated_data
    return {
        name: data[field.source] for name, field in serializer.fields.items()
        if not field.read_only and field.source in data
    }


def _fill(make_form, given: dict, *, start, version: str = ""):
    """The page's form `make_form(data)` posted with `given`, and for what `given` leaves out
    what the form `start` shows (the object's current values for a PATCH, a blank form's
    defaults otherwise)."""
    values = {**_shown(start), **given}
    if version:
        values["version"] = version
    return make_form(_posted(values))


def _refused(form) -> exceptions.APIException:
    errors = {
        "non_field_errors" if name == NON_FIELD_ERRORS else name: list(messages)
        for name, messages in form.errors.items()
    }
    if any(error.code == "stale" for error in form.errors.as_data().get(NON_FIELD_ERRORS, [])):
        return StaleEdit(errors)
    return exceptions.ValidationError(errors)


def _saved(form):
    """form.save(): its service's write, or the form's messages as a 400."""
    saved = form.save() if form.is_valid() else None
    if saved is None:
        raise _refused(form)
    return saved


def _version(request, serializer) -> str:
    """The version an edit names: `version` in the body, else If-Match (quotes dropped)."""
    version = serializer.validated_data.get("version") or request.headers.get("If-Match", "")
    version = version.strip().removeprefix("W/").strip('"')
    return "" if version == "*" else version


def _deleted(delete, **kwargs) -> Response:
    try:
        delete(**kwargs)
    except ProtectedError as exc:
        used = {str(type(obj)._meta.verbose_name_plural) for obj in exc.protected_objects}
        raise StillUsed(f"Still used by {', '.join(sorted(used))}: nothing was deleted.") from exc
    return Response(status=status.HTTP_204_NO_CONTENT)


class Resource:
    """One kind of object, as its pages read and write it: the rows the caller sees with the
    figures the list shows, and the page's edit form (a VersionedFormMixin form)."""

    model: type
    ordering: tuple[str, ...]

    def with_figures(self, objects):
        return objects

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the view
            return self.model.objects.none()
        visible = self.model.objects.visible_to(self.request.user)
        return self.with_figures(visible).order_by(*self.ordering)

    def form(self, obj, data=None):
        raise NotImplementedError

    def write(self, obj, serializer, *, partial: bool):
        """Post the form: for a PATCH over the object's values, else over a blank form's."""
        return _saved(_fill(
            lambda data=None: self.form(obj, data), _input(serializer),
            start=self.form(obj if partial else None),
            version=_version(self.request, serializer),
        ))

    def answer(self, obj, *, code=status.HTTP_200_OK) -> Response:
        """The object as written, with its figures, and its version as the ETag. Read
        without the reach: the caller has just written it."""
        obj = self.with_figures(self.model.objects.filter(pk=obj.pk)).get()
        version = self.form(obj).fields["version"].initial
        return Response(self.get_serializer(obj).data, status=code,
                        headers={"ETag": f'"{version}"'})


class FormList(Resource, generics.ListCreateAPIView):
    filter_backends = [ReachFilterBackend]

    def may_create(self) -> None:
        """403 for whoever the pages do not let create one at all."""

    def new(self, serializer):
        """The object the form fills (None: the form's own blank one)."""
        return None

    def create(self, request, *args, **kwargs):
        self.may_create()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = self.new(serializer)
        with transaction.atomic():
            created = self.write(new, serializer, partial=False)
        return self.answer(created, code=status.HTTP_201_CREATED)


class FormDetail(Resource, generics.RetrieveUpdateDestroyAPIView):
    """Read, edit (through the page's form) and delete one object: out of sight 404, in
    sight but not `writable()` (or `deletable()`) 403 with `why` (or `why_delete`)."""

    filter_backends = []  # the list's filters are not the detail's
    why = ""

    def writable(self):
        raise NotImplementedError

    def deletable(self):
        return self.writable()

    @property
    def why_delete(self) -> str:
        return self.why

    def delete_service(self, obj) -> None:
        raise NotImplementedError

    def retrieve(self, request, *args, **kwargs):
        return self.answer(self.get_object())

    def update(self, request, *args, partial=False, **kwargs):
        obj = get_for_write(self.get_queryset(), self.writable(), kwargs["pk"], why=self.why)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():  # the version check locks the row until it is saved
            self.write(obj, serializer, partial=partial)
        return self.answer(obj)

    def destroy(self, request, *args, **kwargs):
        obj = get_for_write(self.get_queryset(), self.deletable(), kwargs["pk"],
                            why=self.why_delete)
        return _deleted(self.delete_service, obj=obj)


# --- clients ----------------------------------------------------------------------------------


class ClientSerializer(PlainLimits, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    sector = serializers.CharField(required=False, allow_blank=True)
    owner = Id(source="owner_id", required=False, allow_null=True,
               help_text="Who looks after the relationship (a user id).")
    active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    # The list page's counts (Client.objects.with_counts), of what the caller may see.
    engagements_count = serializers.IntegerField(read_only=True)
    outcomes_total = serializers.IntegerField(read_only=True)
    outcomes_achieved = serializers.IntegerField(read_only=True)
    version = VersionField()


class Clients(Resource):
    """Whoever sees a client reads it; only admins manage clients (client_create and
    client_update's pages; they delete them in /admin/, through the same service)."""

    model = Client
    ordering = ("name",)
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    why = ONLY_ADMINS

    def with_figures(self, objects):
        return objects.with_counts(self.request.user)

    def form(self, obj, data=None):
        return ClientForm(data, instance=obj)


@list_schema(ClientSerializer)
class ClientList(Clients, FormList):
    def may_create(self):
        if not self.request.user.is_admin:
            raise exceptions.PermissionDenied(ONLY_ADMINS)


@detail_schema(ClientSerializer, put=True, delete=(409,))
class ClientDetail(Clients, FormDetail):
    def writable(self):
        return Client.objects.all() if self.request.user.is_admin else Client.objects.none()

    def delete_service(self, obj):
        services.client_delete(client=obj)


# --- engagements ------------------------------------------------------------------------------


class EngagementSerializer(PlainLimits, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    client = Id(source="client_id")
    name = serializers.CharField()
    team = Id(source="team_id", required=False, allow_null=True,
              help_text="The team that runs it; a manager chooses one they manage.")
    status = serializers.ChoiceField(choices=Engagement.Status.choices, required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    budget_hours = serializers.DecimalField(
        max_digits=8, decimal_places=1, required=False, allow_null=True
    )
    members = IdList(required=False, help_text="User ids, among the people you may see.")
    source_activity = Id(source="source_activity_id", required=False, allow_null=True,
                         help_text="The talk or post that brought it in (an activity id).")
    created_at = serializers.DateTimeField(read_only=True)
    # The figures the pages show (Engagement.objects.with_totals; tracker.figures.hours).
    logged_hours = serializers.SerializerMethodField()
    burn = serializers.FloatField(
        read_only=True, allow_null=True,
        help_text="Client hours logged / budget hours; null without a budget.",
    )
    outcomes_total = serializers.IntegerField(read_only=True)
    outcomes_achieved = serializers.IntegerField(read_only=True)
    version = VersionField()

    def get_logged_hours(self, engagement) -> float:
        """Client hours logged on it, by anyone (2 places)."""
        return figures.hours(engagement.logged_seconds)


class Engagements(Resource):
    """Read by whoever sees it; planned by managers and admins (_engagement_form_page),
    edited by the managers of its team and admins (Engagement.objects.editable_by)."""

    model = Engagement
    ordering = ("client__name", "name")
    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter
    why = "Only the managers of its team and admins edit an engagement."

    def with_figures(self, objects):
        return objects.with_totals().prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("pk"))
        )

    def form(self, obj, data=None):
        return EngagementForm(data, instance=obj, user=self.request.user)


@list_schema(EngagementSerializer)
class EngagementList(Engagements, FormList):
    def may_create(self):
        # As the pages' _can_manage_engagements (clients/views.py, a layer this one
        # cannot import).
        user = self.request.user
        if not (user.is_admin or user.is_manager):
            raise exceptions.PermissionDenied(ONLY_PLANNERS)


@detail_schema(EngagementSerializer, put=True, delete=(409,))
class EngagementDetail(Engagements, FormDetail):
    why_delete = "Only admins delete engagements."

    def writable(self):
        return Engagement.objects.editable_by(self.request.user)

    def deletable(self):
        # No page deletes an engagement but /admin/, so only admins.
        user = self.request.user
        return Engagement.objects.all() if user.is_admin else Engagement.objects.none()

    def delete_service(self, obj):
        services.engagement_delete(engagement=obj)


# --- outcomes ---------------------------------------------------------------------------------


class OutcomeSerializer(PlainLimits, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engagement = Id(source="engagement_id", read_only=True)
    title = serializers.CharField()
    metric = serializers.CharField()
    unit = serializers.CharField(required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Outcome.Direction.choices, required=False)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    evidence_url = serializers.CharField(required=False, allow_blank=True)
    evidence_note = serializers.CharField(required=False, allow_blank=True)
    # Changed as on the outcome's card: by outcome_status_set and outcome_confirmation_set.
    status = serializers.ChoiceField(choices=Outcome.Status.choices, required=False)
    achieved_on = serializers.DateField(required=False, allow_null=True,
                                        help_text="With status achieved.")
    confirmed_by = serializers.CharField(
        required=False, allow_blank=True,
        help_text="Who at the client confirmed it, as the firm reports it: never verified "
                  "(docs/confirmations.md).",
    )
    confirmed_on = serializers.DateField(required=False, allow_null=True)
    recorded_by = Id(source="recorded_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    # What the outcome page shows (Outcome.objects.with_progress, Outcome.progress).
    actual = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="actual_value", read_only=True,
        allow_null=True, help_text="The latest measurement.",
    )
    progress = serializers.SerializerMethodField()
    verified = serializers.BooleanField(
        source="is_verified", read_only=True,
        help_text="Achieved, and a client contact confirmed it through their link.",
    )
    disputed = serializers.BooleanField(source="is_disputed", read_only=True)
    version = VersionField()

    def get_progress(self, outcome) -> float | None:
        """Share of the way from baseline to target (1.0 = reached); null unmeasured."""
        return outcome.progress(outcome.actual_value)


class OutcomeCreateSerializer(OutcomeSerializer):
    engagement = Id(source="engagement_id")


# The forms of an outcome's card that the API posts, and the fields each one holds.
CARD_FORMS = (
    (OutcomeStatusForm, ("status", "achieved_on")),
    (ConfirmationForm, ("confirmed_by", "confirmed_on")),
)


def _recordable_outcomes(user):
    return Outcome.objects.filter(engagement__in=Engagement.objects.recordable_by(user))


class Outcomes(Resource):
    """Read by whoever sees its engagement; added, changed and recorded on by whoever
    records on it (Engagement.objects.recordable_by, the pages' _require_recording): its
    members, its team's managers, admins."""

    model = Outcome
    ordering = ("engagement__client__name", "engagement__name", "title", "pk")
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    why = ONLY_RECORDERS

    def with_figures(self, objects):
        return objects.with_progress()

    def form(self, obj, data=None):
        return OutcomeForm(data, instance=obj, user=self.request.user)

    def write(self, obj, serializer, *, partial: bool):
        """The outcome's form, then the card's status and confirmation forms for what the
        input names (status first: only an achieved outcome is confirmed). The caller's
        transaction undoes all of it if one refuses."""
        given = _input(serializer)
        if not partial or set(given) & set(OutcomeForm.Meta.fields):
            obj = super().write(obj, serializer, partial=partial)
        for form_class, names in CARD_FORMS:
            if any(name in given for name in names):
                card = {name: given.get(name, getattr(obj, name)) for name in names}
                _saved(form_class(_posted(card), user=self.request.user, outcome=obj))
        return obj


@list_schema(OutcomeSerializer, create={"request": OutcomeCreateSerializer},
             refusals=(403, 404))
class OutcomeList(Outcomes, FormList):
    def get_serializer_class(self):
        return OutcomeCreateSerializer if self.request.method == "POST" else OutcomeSerializer

    def new(self, serializer):
        # As outcome_create's page: an engagement out of sight is 404, one the caller sees
        # but does not record on is 403.
        user = self.request.user
        engagement = get_for_write(
            Engagement.objects.visible_to(user), Engagement.objects.recordable_by(user),
            serializer.validated_data["engagement_id"], why=ONLY_RECORDERS,
        )
        return Outcome(engagement=engagement)


@detail_schema(OutcomeSerializer, put=False)
class OutcomeDetail(Outcomes, FormDetail):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def writable(self):
        return _recordable_outcomes(self.request.user)

    def delete_service(self, obj):
        services.outcome_delete(outcome=obj)


# --- measurements -----------------------------------------------------------------------------


class MeasurementSerializer(PlainLimits, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    outcome = Id(source="outcome_id", read_only=True)
    date = serializers.DateField(help_text="When it was measured; not in the future.")
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True)
    save_anyway = serializers.BooleanField(
        write_only=True, required=False,
        help_text=(
            "A reading dated over a year outside the engagement, or a hundred times the "
            "outcome's usual figures, is refused (400) as a likely typo unless this is true."
        ),
    )
    recorded_by = Id(source="recorded_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class MeasurementsOf:
    """The readings of the outcome in the address: read by whoever sees the outcome, written
    by whoever records on its engagement (403 for the others who see it)."""

    serializer_class = MeasurementSerializer
    filter_backends = []

    def outcome(self, *, write: bool) -> Outcome:
        user = self.request.user
        visible = Outcome.objects.visible_to(user)
        if write:
            return get_for_write(visible, _recordable_outcomes(user),
                                 self.kwargs["outcome_pk"], why=ONLY_RECORDERS)
        return get_object_or_404(visible, pk=self.kwargs["outcome_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutcomeMeasurement.objects.none()
        writing = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return self.outcome(write=writing).measurements.order_by("date", "pk")

    def form(self, outcome, data=None, instance=None):
        """The outcome card's form for a reading: its rules (not dated in the future)."""
        return MeasurementForm(data, instance=instance, user=self.request.user,
                               outcome=outcome)


@extend_schema_view(
    get=extend_schema(responses=answers({200: MeasurementSerializer(many=True)}, 404)),
    post=extend_schema(responses=answers({201: MeasurementSerializer}, 400, 403, 404)),
)
class MeasurementList(MeasurementsOf, generics.ListCreateAPIView):
    def create(self, request, *args, **kwargs):
        outcome = self.outcome(write=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The form's save() is outcome_measure (a planned outcome starts).
        measurement = _saved(self.form(outcome, _posted(_input(serializer))))
        return Response(self.get_serializer(measurement).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses=answers({200: MeasurementSerializer}, 404)),
    patch=extend_schema(responses=answers({200: MeasurementSerializer}, 400, 403, 404)),
    delete=extend_schema(responses=answers({204: None}, 403, 404)),
)
class MeasurementDetail(MeasurementsOf, generics.RetrieveUpdateDestroyAPIView):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def update(self, request, *args, **kwargs):
        measurement = self.get_object()
        serializer = self.get_serializer(measurement, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        outcome = measurement.outcome
        form = _fill(
            lambda data=None: self.form(outcome, data, instance=measurement),
            _input(serializer), start=self.form(outcome, instance=measurement),
        )
        if not form.is_valid():
            raise _refused(form)
        # The form's save() would record a new reading: measurement_update corrects this one.
        try:
            services.measurement_update(
                measurement=measurement,
                data={name: form.cleaned_data[name] for name in services.MEASUREMENT_FIELDS},
            )
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return Response(self.get_serializer(measurement).data)

    def destroy(self, request, *args, **kwargs):
        return _deleted(services.measurement_delete, measurement=self.get_object())


# --- a client's contacts ----------------------------------------------------------------------


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    client = Id(source="client_id", read_only=True)
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_view(
    get=extend_schema(responses=answers({200: ContactSerializer(many=True)}, 404)),
    post=extend_schema(responses=answers({201: ContactSerializer}, 400, 403, 404)),
)
class ContactList(generics.ListCreateAPIView):
    """The people at a client who may be asked to confirm outcomes: read by whoever sees the
    client, added by managers and admins (the client's page's form)."""

    serializer_class = ContactSerializer
    filter_backends = []
    pagination_class = None

    def client(self) -> Client:
        return get_object_or_404(Client.objects.visible_to(self.request.user),
                                 pk=self.kwargs["client_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClientContact.objects.none()
        return self.client().contacts.all()

    def create(self, request, *args, **kwargs):
        client = self.client()
        if not (request.user.is_admin or request.user.is_manager):
            raise exceptions.PermissionDenied("Only managers and admins keep a client's contacts.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = _saved(ContactForm(_posted(_input(serializer)), client=client))
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)
