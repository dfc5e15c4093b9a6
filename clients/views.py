"""Pages for clients, engagements and outcomes.

Every object is reached through one helper per kind (`_get_engagement_for_user` and
friends), each built on the model's `visible_to(user)`: what a person may not see answers 404,
the same as what does not exist. Lists are django-tables2 + django-filter views whose querysets
start from the same `visible_to`, so their CSV/XLSX exports cannot show more than the page; a
filter naming a client, engagement, person or team out of reach is a 404 there too.

The forms on an outcome's card post to the page they are on (the engagement's or the
outcome's), so a refused one is shown again at that same address, input kept.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db import transaction
from django.db.models import (
    Count,
    Prefetch,
    ProtectedError,
    Q,
    Sum,
    prefetch_related_objects,
)
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from tracker import history
from tracker.models import Kind, TimeEntry, User
from tracker.paging import BoundedPaginator
from tracker.views.lists import FilteredListView

from . import services
from .filters import ClientFilter, EngagementFilter, OutcomeFilter
from .forms import (
    ClientForm,
    ConfirmationAskForm,
    ConfirmationForm,
    ContactForm,
    EngagementForm,
    MeasurementForm,
    OutcomeForm,
    OutcomeStatusForm,
)
from .models import (
    VERIFIED,
    Client,
    Engagement,
    Outcome,
    OutcomeMeasurement,
)
from .tables import ClientTable, EngagementTable, OutcomeTable

# --- one access helper per object ---------------------------------------------------------


def _can_manage_engagements(user) -> bool:
    return user.is_admin or user.is_manager


def _get_client_for_user(request, pk) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user).select_related("owner"), pk=pk)


def _get_engagement_for_user(request, pk) -> Engagement:
    """The engagement, with its totals, if `request.user` may see it; else 404."""
    return get_object_or_404(
        Engagement.objects.visible_to(request.user).with_totals().select_related(
            "source_activity", "team"
        ),
        pk=pk,
    )


def _get_engagement_to_edit(request, pk) -> Engagement:
    """The engagement if `request.user` may edit it (a manager of its team, an admin); an
    engagement they may only see, or not even that, answers 404 like any out of reach."""
    return get_object_or_404(Engagement.objects.editable_by(request.user), pk=pk)


def _require_recording(request, engagement) -> None:
    """Adding, editing and recording on outcomes: the engagement's members, its team's
    managers and admins. Anyone else who sees it reads it; a write from them is 404."""
    if not engagement.can_record_outcomes(request.user):
        raise Http404("Only the engagement's members and its team's managers record on it.")


def _get_outcome_for_user(request, pk) -> Outcome:
    """The outcome, with its actual and progress, if `request.user` may see it; else 404."""
    return get_object_or_404(
        Outcome.objects.visible_to(request.user).with_progress()
        .select_related("client_answer__contact"), pk=pk
    )


def _get_measurement_to_change(request, pk) -> OutcomeMeasurement:
    """A reading `request.user` may correct or delete: one of an outcome they may record on
    (its engagement's members, its team's managers, admins); anything else answers 404."""
    recordable = Engagement.objects.recordable_by(request.user)
    return get_object_or_404(
        OutcomeMeasurement.objects.select_related("outcome__engagement__client", "recorded_by")
        .filter(outcome__engagement__in=recordable),
        pk=pk,
    )
def _get_contacts_to_manage(request, pk) -> Client:
    """The client, if `request.user` keeps its contacts: a manager or an admin who sees it."""
    client = _get_client_for_user(request, pk)
    if not _can_manage_engagements(request.user):
        raise Http404("Only managers and admins keep a client's contacts.")
    return client


def _require_admin(request):
    if not request.user.is_admin:
        raise Http404("Only admins manage clients.")


# --- lists ----------------------------------------------------------------------------------


class ListPage(FilteredListView):
    table_pagination = {"per_page": 25, "paginator_class": BoundedPaginator}

    def get_extra_context(self):
        return {"can_manage": _can_manage_engagements(self.request.user)}


class ClientListView(ListPage):
    template_name = "clients/client_list.html"
    table_class = ClientTable
    filterset_class = ClientFilter
    export_name = "clients"

    def get_queryset(self):
        user = self.request.user
        return Client.objects.visible_to(user).with_counts(user)


class EngagementListView(ListPage):
    template_name = "clients/engagement_list.html"
    table_class = EngagementTable
    filterset_class = EngagementFilter
    export_name = "engagements"

    def get_queryset(self):
        return Engagement.objects.visible_to(self.request.user).with_totals()


class OutcomeListView(ListPage):
    template_name = "clients/outcome_list.html"
    table_class = OutcomeTable
    filterset_class = OutcomeFilter
    export_name = "outcomes"

    def get_queryset(self):
        return Outcome.objects.visible_to(self.request.user).with_progress()


# --- clients ------------------------------------------------------------------------------


@login_required
def client_detail(request, pk):
    """The client's page; a manager or an admin adds a contact here (POST), a refused one
    shown again with its input and errors."""
    client = _get_client_for_user(request, pk)
    can_keep_contacts = _can_manage_engagements(request.user)
    contact_form = None
    if can_keep_contacts:
        contact_form = ContactForm(request.POST or None, client=client, prefix="contact")
    elif request.method == "POST":
        raise Http404("Only managers and admins keep a client's contacts.")
    if request.method == "POST" and contact_form.is_valid() and contact_form.save():
        messages.success(request, f"Contact {contact_form.instance.name} added.")
        return redirect(f"{reverse('clients:client_detail', args=[client.pk])}#contacts")
    engagements = Engagement.objects.visible_to(request.user).filter(client=client).with_totals()
    table = EngagementTable(engagements, exclude=["client"], orderable=False)
    counts = Outcome.objects.visible_to(request.user).filter(engagement__client=client).aggregate(
        total=Count("pk"), achieved=Count("pk", filter=Q(status=Outcome.Status.ACHIEVED)),
        verified=Count("pk", filter=VERIFIED),
    )
    return render(
        request,
        "clients/client_detail.html",
        {"client": client, "table": table, "counts": counts, "can_edit": request.user.is_admin,
         "contacts": client.contacts.all(), "contact_form": contact_form,
         "can_keep_contacts": can_keep_contacts,
         "history": history.for_page(
             (history.Type.CLIENT, [client.pk]),
             (history.Type.CONTACT, client.contacts.values_list("pk", flat=True)),
         )},
    )


@login_required
def contact_update(request, pk, contact_pk):
    client = _get_contacts_to_manage(request, pk)
    contact = get_object_or_404(client.contacts.all(), pk=contact_pk)
    form = ContactForm(request.POST or None, instance=contact, client=client)
    if request.method == "POST" and form.is_valid() and form.save():
        messages.success(request, f"Contact {contact.name} saved.")
        return redirect(f"{reverse('clients:client_detail', args=[client.pk])}#contacts")
    return render(request, "clients/contact_form.html",
                  {"form": form, "client": client, "contact": contact})


@login_required
@require_POST
def contact_delete(request, pk, contact_pk):
    client = _get_contacts_to_manage(request, pk)
    contact = get_object_or_404(client.contacts.all(), pk=contact_pk)
    try:
        services.contact_delete(contact=contact)
    except ProtectedError:
        messages.error(request, f"{contact.name} has been asked to confirm outcomes: their "
                                "answers keep them on the client's contacts.")
    else:
        messages.success(request, f"Contact {contact.name} removed.")
    return redirect(f"{reverse('clients:client_detail', args=[client.pk])}#contacts")


@login_required
def client_create(request):
    _require_admin(request)
    form = ClientForm(request.POST or None)
    client = form.save() if request.method == "POST" and form.is_valid() else None
    if client is not None:
        messages.success(request, f"Client {client} added.")
        return redirect("clients:client_detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@login_required
def client_update(request, pk):
    _require_admin(request)
    client = _get_client_for_user(request, pk)
    form = ClientForm(request.POST or None, instance=client)
    with transaction.atomic():  # the version check locks the row until it is saved
        saved = form.save() if request.method == "POST" and form.is_valid() else None
    if saved is not None:
        messages.success(request, f"Client {client} saved.")
        return redirect("clients:client_detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


# --- engagements --------------------------------------------------------------------------


class OutcomeRecord(NamedTuple):
    """One of the forms on an outcome's card: a (data, user=, outcome=, prefix=) form whose
    save() records it, its field prefix, and what to say once it has (from the saved form)."""

    form_class: type
    prefix: str
    done: Callable[[Form], str]


def _status_recorded(form: OutcomeStatusForm) -> str:
    outcome = form.outcome
    said = f"{outcome} is now {outcome.get_status_display().lower()}."
    if form.withdrawn_confirmation:
        by, on = form.withdrawn_confirmation
        said += (
            f" The client's confirmation ({by}, {date_format(on, 'j M Y')}) was removed: "
            "only an achieved outcome can be confirmed."
        )
    return said


# By the `record` each form posts.
OUTCOME_RECORDS = {
    "measurement": OutcomeRecord(
        MeasurementForm, "m", lambda form: f"Measurement recorded for {form.outcome}."
    ),
    "status": OutcomeRecord(OutcomeStatusForm, "s", _status_recorded),
    "confirmation": OutcomeRecord(
        ConfirmationForm, "c", lambda form: f"Client confirmation recorded for {form.outcome}."
    ),
}


def _outcome_form(request, outcome, record, data=None):
    kind = OUTCOME_RECORDS[record]
    return kind.form_class(
        data, user=request.user, outcome=outcome, prefix=f"{kind.prefix}{outcome.pk}"
    )


def _outcome_forms(request, outcome, invalid=None):
    """The forms each outcome carries, unbound but for one that came back invalid."""
    invalid = invalid or {}
    return {
        record: invalid.get(record) or _outcome_form(request, outcome, record)
        for record in OUTCOME_RECORDS
    }


def _record_on_outcome(request, outcome, record) -> dict | None:
    """Save the form of the outcome's card named by `record`; None once saved, else the
    invalid form by its record, for the page to show again with the input and its errors."""
    _require_recording(request, outcome.engagement)
    if record not in OUTCOME_RECORDS:
        raise BadRequest("Nothing to record.")
    form = _outcome_form(request, outcome, record, request.POST)
    if not form.is_valid() or form.save() is None:
        return {record: form}
    messages.success(request, OUTCOME_RECORDS[record].done(form))
    return None


def _measurements_prefetch():
    return Prefetch(
        "measurements",
        queryset=OutcomeMeasurement.objects.select_related("recorded_by").order_by("date", "pk"),
    )


def _with_latest(outcome):
    """Progress and the latest reading, from the measurements already fetched."""
    readings = list(outcome.measurements.all())
    outcome.latest = readings[-1] if readings else None
    outcome.progress_ratio = outcome.progress(outcome.actual_value)
    return outcome


def _hours_by_member(request, engagement):
    """Client hours on the engagement per person the viewer may see; everyone else's time
    is one 'other members' figure, since a consultant sees only their own time."""
    seconds_by_pk = dict(
        TimeEntry.objects.filter(engagement=engagement, kind=Kind.CLIENT)
        .order_by()
        .values_list("consultant")
        .annotate(seconds=Sum("seconds"))
    )
    people = User.objects.visible_to(request.user).filter(pk__in=list(seconds_by_pk))
    rows = [
        {"person": person, "seconds": seconds_by_pk[person.pk]}
        for person in people.by_name()
    ]
    others = sum(seconds_by_pk.values()) - sum(row["seconds"] for row in rows)
    return rows, others


def _engagement_page(request, engagement, *, invalid_outcome=None, invalid=None):
    prefetch_related_objects(
        [engagement], Prefetch("members", queryset=User.objects.all().by_name())
    )
    outcomes = list(
        engagement.outcomes.all().with_progress().prefetch_related(
            _measurements_prefetch()
        )
    )
    can_record = engagement.can_record_outcomes(request.user)
    for outcome in outcomes:
        _with_latest(outcome)
        outcome.forms = can_record and _outcome_forms(
            request, outcome, invalid if outcome.pk == invalid_outcome else None
        )
    hours_rows, other_seconds = _hours_by_member(request, engagement)
    return render(
        request,
        "clients/engagement_detail.html",
        {
            "engagement": engagement,
            "outcomes": outcomes,
            "hours_rows": hours_rows,
            "other_seconds": other_seconds,
            "can_edit": engagement.can_be_edited_by(request.user),
            "can_record": can_record,
            # Past its end date an active engagement reads "Ended", nobody closing it.
            "state": engagement.state_on(request.user.today()),
            "state_label": engagement.state_label(request.user.today()),
            "outcome_forms_url": reverse("clients:engagement_detail", args=[engagement.pk]),
            "history": history.for_page((history.Type.ENGAGEMENT, [engagement.pk])),
        },
    )


def _engagement_record(request, engagement, outcome, record):
    """A form of one of the page's outcomes; a refused one comes back on this page, at this
    address, so the navigation, a reload and the back button stay on the engagement."""
    invalid = _record_on_outcome(request, outcome, record)
    if invalid:
        return _engagement_page(
            request, engagement, invalid_outcome=outcome.pk, invalid=invalid
        )
    url = reverse("clients:engagement_detail", args=[engagement.pk])
    return redirect(f"{url}#outcome-{outcome.pk}")


@login_required
def engagement_detail(request, pk):
    engagement = _get_engagement_for_user(request, pk)
    if request.method != "POST":
        return _engagement_page(request, engagement)
    outcome_pk = request.POST.get("outcome", "")
    if not outcome_pk.isdigit():
        raise Http404("Record on one of this engagement's outcomes.")
    outcome = get_object_or_404(engagement.outcomes.all(), pk=int(outcome_pk))
    return _engagement_record(request, engagement, outcome, request.POST.get("record"))


def _engagement_form_page(request, engagement=None):
    if not _can_manage_engagements(request.user):
        raise Http404("Only managers and admins plan engagements.")
    form = EngagementForm(request.POST or None, instance=engagement, user=request.user)
    with transaction.atomic():  # the version check locks the row until it is saved
        saved = form.save() if request.method == "POST" and form.is_valid() else None
    if saved is not None:
        messages.success(request, f"Engagement {saved} saved.")
        return redirect("clients:engagement_detail", pk=saved.pk)
    return render(
        request, "clients/engagement_form.html", {"form": form, "engagement": engagement}
    )


@login_required
def engagement_create(request):
    return _engagement_form_page(request)


@login_required
def engagement_update(request, pk):
    engagement = _get_engagement_to_edit(request, pk)
    return _engagement_form_page(request, engagement)


# --- outcomes -----------------------------------------------------------------------------


def outcome_page(request, outcome, *, invalid=None, ask_form=None):
    """The outcome's page; `ask_form`, a refused request to the client, shown again."""
    prefetch_related_objects([outcome], _measurements_prefetch())
    _with_latest(outcome)
    can_record = outcome.engagement.can_record_outcomes(request.user)
    outcome.forms = can_record and _outcome_forms(request, outcome, invalid)
    if can_record and ask_form is None:
        ask_form = ConfirmationAskForm(user=request.user, outcome=outcome)
    requests = list(outcome.confirmation_requests.select_related("contact", "asked_by"))
    return render(
        request,
        "clients/outcome_detail.html",
        {
            "outcome": outcome,
            "can_record": can_record,
            "outcome_forms_url": reverse("clients:outcome_detail", args=[outcome.pk]),
            "ask_form": can_record and ask_form,
            "confirmation_requests": requests,
            # Its readings' and requests' history too: a corrected or deleted reading moves
            # the actual, an answer comes through a request.
            "history": history.for_page(
                (history.Type.OUTCOME, [outcome.pk]),
                (history.Type.MEASUREMENT, [m.pk for m in outcome.measurements.all()]),
                (history.Type.CONFIRMATION, [r.pk for r in requests]),
            ),
        },
    )


def _outcome_record(request, outcome, record):
    """A form of the page's card; a refused one comes back on this page, at this address."""
    invalid = _record_on_outcome(request, outcome, record)
    if invalid:
        return outcome_page(request, outcome, invalid=invalid)
    return redirect("clients:outcome_detail", pk=outcome.pk)


@login_required
def outcome_detail(request, pk):
    outcome = _get_outcome_for_user(request, pk)
    if request.method != "POST":
        return outcome_page(request, outcome)
    return _outcome_record(request, outcome, request.POST.get("record"))


@login_required
def outcome_create(request):
    engagement_pk = request.GET.get("engagement", "")
    if not engagement_pk.isdigit():
        raise Http404("Outcomes are added from an engagement.")
    engagement = _get_engagement_for_user(request, int(engagement_pk))
    _require_recording(request, engagement)
    form = OutcomeForm(
        request.POST or None, instance=Outcome(engagement=engagement), user=request.user
    )
    outcome = form.save() if request.method == "POST" and form.is_valid() else None
    if outcome is not None:
        messages.success(request, f"Outcome {outcome} added.")
        return redirect(f"{reverse('clients:engagement_detail', args=[engagement.pk])}"
                        f"#outcome-{outcome.pk}")
    return render(
        request,
        "clients/outcome_form.html",
        {"form": form, "engagement": engagement, "outcome": None},
    )


@login_required
def outcome_update(request, pk):
    outcome = _get_outcome_for_user(request, pk)
    _require_recording(request, outcome.engagement)
    form = OutcomeForm(request.POST or None, instance=outcome, user=request.user)
    with transaction.atomic():  # the version check locks the row until it is saved
        saved = form.save() if request.method == "POST" and form.is_valid() else None
    if saved is not None:
        messages.success(request, f"Outcome {outcome} saved.")
        return redirect("clients:outcome_detail", pk=outcome.pk)
    return render(
        request,
        "clients/outcome_form.html",
        {"form": form, "engagement": outcome.engagement, "outcome": outcome},
    )


# --- measurements ---------------------------------------------------------------------------


@login_required
def measurement_update(request, pk):
    """Correct a reading; one that looks mistyped comes back with a warning and a "save
    anyway" box (MeasurementForm)."""
    measurement = _get_measurement_to_change(request, pk)
    outcome = measurement.outcome
    form = MeasurementForm(
        request.POST or None, instance=measurement, user=request.user, outcome=outcome
    )
    saved = form.save() if request.method == "POST" and form.is_valid() else None
    if saved is not None:
        messages.success(request, f"Measurement of {date_format(saved.date, 'j M Y')} saved.")
        return redirect("clients:outcome_detail", pk=outcome.pk)
    return render(
        request,
        "clients/measurement_form.html",
        {"form": form, "measurement": measurement, "outcome": outcome},
    )


@login_required
def measurement_delete(request, pk):
    """Asks first (GET), deletes on POST; the outcome's actual becomes the latest reading
    left."""
    measurement = _get_measurement_to_change(request, pk)
    outcome = measurement.outcome
    if request.method == "POST":
        services.measurement_delete(measurement=measurement)
        messages.success(
            request, f"Measurement of {date_format(measurement.date, 'j M Y')} deleted."
        )
        return redirect("clients:outcome_detail", pk=outcome.pk)
    return render(
        request,
        "clients/measurement_confirm_delete.html",
        {"measurement": measurement, "outcome": outcome},
    )
