"""Asking a client to confirm an outcome, and the contact's page (docs/confirmations.md).

`ask` is the outcome page's form target: whoever records on the outcome's engagement (its
members, its team's managers, admins) may ask; anyone else gets 404, as for every write on an
outcome. `confirm` and `card` need no log-in: the signed token, or the card's slug, is the
authorisation, and they show that one outcome and nothing else of the firm. Both are
throttled per address, and ask search engines to keep out.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients import services as clients_services
from clients.forms import ConfirmationAnswerForm, ConfirmationAskForm
from clients.models import ConfirmationRequest, Outcome
from clients.views import outcome_page
from tracker import history
from tracker.models import Change
from tracker.throttles import client_address, throttle_wait

from ..confirmations import LinkState, confirmation_request_send, link_open


@login_required
@require_POST
def ask(request, pk):
    outcome = get_object_or_404(Outcome.objects.visible_to(request.user).with_progress(), pk=pk)
    if not outcome.engagement.can_record_outcomes(request.user):
        raise Http404("Only the engagement's members and its team's managers ask the client.")
    form = ConfirmationAskForm(
        request.POST, user=request.user, outcome=outcome, send=confirmation_request_send
    )
    sent = form.save() if form.is_valid() else None
    if sent is None:
        return outcome_page(request, outcome, ask_form=form)
    messages.success(
        request, f"{sent.contact.name} will get an e-mail asking them to confirm {outcome}."
    )
    url = reverse("clients:outcome_detail", args=[outcome.pk])
    return redirect(f"{url}#client-confirmation")


def _public(response):
    """What a public page's answer carries: no search engine indexes or follows it."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _throttled(request):
    if wait := throttle_wait("confirm_address", client_address(request)):
        response = _public(
            render(
                request,
                "confirmations/link_plain.html",
                {"state": "throttled", "wait": wait},
                status=429,
            )
        )
        response["Retry-After"] = str(wait * 60)
        return response
    return None


PLAIN_STATUS = {
    LinkState.INVALID: 404,
    LinkState.EXPIRED: 410,
    LinkState.USED: 410,
    LinkState.STALE: 410,
}


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    if refused := _throttled(request):
        return refused
    link = link_open(token)
    if link.state != LinkState.OPEN:
        return _public(
            render(
                request,
                "confirmations/link_plain.html",
                {"state": link.state},
                status=PLAIN_STATUS[link.state],
            )
        )
    confirmation = link.request
    form = ConfirmationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with history.acting(
                via=Change.Via.LINK,
                user=None,
                ref=f"{confirmation.contact.name} <{confirmation.contact.email}>",
            ):
                clients_services.confirmation_answer(
                    request=confirmation,
                    decision=form.answer,
                    comment=form.cleaned_data["comment"],
                    consent_card=form.cleaned_data["consent_card"],
                    consent_name=form.cleaned_data["consent_name"],
                )
        except ValidationError:
            # Answered in the meantime (two tabs, a double submit): the link is used.
            return _public(
                render(
                    request,
                    "confirmations/link_plain.html",
                    {"state": LinkState.USED},
                    status=PLAIN_STATUS[LinkState.USED],
                )
            )
        return _public(
            render(request, "confirmations/answered.html", {"confirmation": confirmation})
        )
    outcome = confirmation.outcome
    measurements = list(outcome.measurements.order_by("date", "pk"))
    outcome.latest = measurements[-1] if measurements else None
    credited = outcome.engagement.members.filter(is_active=True).by_name()
    return _public(
        render(
            request,
            "confirmations/confirm.html",
            {
                "confirmation": confirmation,
                "outcome": outcome,
                "measurements": measurements,
                "engagement": outcome.engagement,
                "client": outcome.engagement.client,
                "credited": credited,
                "form": form,
            },
            status=400 if form.is_bound else 200,
        )
    )


@require_http_methods(["GET"])
def card(request, slug):
    """The read-only card of a confirmed outcome, published with the contact's consent: the
    figures they confirmed, as they were then, at a URL that stays the same."""
    if refused := _throttled(request):
        return refused
    confirmation = get_object_or_404(
        ConfirmationRequest.objects.select_related("contact", "outcome__engagement__client"),
        card_slug=slug,
        consent_card=True,
        decision=ConfirmationRequest.Decision.CONFIRMED,
    )
    figures = confirmation.figures
    latest = figures["measurements"][-1] if figures["measurements"] else None
    return _public(
        render(
            request,
            "confirmations/card.html",
            {
                "confirmation": confirmation,
                "figures": figures,
                "latest": latest,
            },
        )
    )
