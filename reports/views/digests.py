"""The weekly digest in the browser: preview, preferences and one-click unsubscribe.

- /digests/preview/?week=YYYY-Www[&user=<id>] shows the digest exactly as it is sent (the
  same message object the sender builds); a manager may preview their teams' members, an
  admin anyone; anyone else's id answers 404.
- /digests/preferences/ turns the digest on or off and sets the timezone it follows.
- /digests/unsubscribe/<token>/ needs no log-in: the signed token is the authorisation; it
  names one digest (recipient and week) and expires after UNSUBSCRIBE_MAX_AGE, when the page
  says so and points to the preferences instead. /reminders/unsubscribe/<token>/ is the same
  for the timesheet reminder (its own signing salt: one kind's link never turns off the other).
"""

import base64
import hashlib
import zoneinfo
from html.parser import HTMLParser

from csp.constants import UNSAFE_HASHES
from csp.utils import build_policy
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tracker import services
from tracker.models import User
from tracker.widgets import BootstrapMixin

from .. import digests
from ..models import DigestDelivery


class WeekInput(forms.TextInput):
    input_type = "week"  # the browser's week picker; it submits "2026-W47"


class PreviewForm(BootstrapMixin, forms.Form):
    week = forms.CharField(label="Week", widget=WeekInput, required=False)

    def clean_week(self):
        value = self.cleaned_data["week"]
        if not value:
            return None
        try:
            return digests.parse_iso_week(value)
        except ValueError as exc:  # not a week, or one outside 1900-2199
            raise forms.ValidationError(str(exc)) from None


class DigestPreferencesForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["digest_opt_in", "timezone"]
        labels = {"digest_opt_in": "Send me the weekly digest", "timezone": "Timezone"}
        help_texts = {
            "timezone": "The digest arrives on Monday at 08:00 in this timezone, "
            "e.g. Europe/London or America/Los_Angeles.",
        }
        widgets = {"timezone": forms.TextInput(attrs={"list": "timezones",
                                                      "autocomplete": "off"})}

    def clean_timezone(self):
        return self.cleaned_data["timezone"].strip()


def _get_recipient_for_user(request, pk) -> User:
    """The person whose digest `request.user` may preview: themselves, their teams, or all."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such person.") from None
    return get_object_or_404(User.objects.visible_to(request.user).select_related("team"), pk=pk)


@login_required
def preview(request):
    recipient = (
        _get_recipient_for_user(request, request.GET["user"])
        if request.GET.get("user") else request.user
    )
    last_week = digests.last_week_start(recipient.today())
    form = PreviewForm(request.GET or None, initial={"week": digests.iso_week(last_week)})
    week_start = message = None
    if not form.is_bound or form.is_valid():
        week_start = (form.cleaned_data["week"] if form.is_bound else None) or last_week
        # A placeholder for the unsubscribe link: the recipient's own would let whoever
        # previews (their manager) turn their digest off.
        message = digests.digest_message(user=recipient, week_start=week_start, preview=True)
    part = request.GET.get("part", "")
    if message is not None and part == "html":
        # The HTML part alone, byte for byte as it is sent. It is the e-mail, not the app:
        # sandboxed like the framed copy, so nothing in it can act in the viewer's session.
        response = HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = "sandbox"
        return response
    html = ""
    if message is not None:
        # Only in the framed copy: links open in the whole window, as a mail client does.
        html = message.alternatives[0][0].replace("<head>", '<head><base target="_top">', 1)
    people = (
        User.objects.visible_to(request.user).filter(is_active=True).by_name()
        if request.user.is_admin or request.user.is_manager else None
    )
    response = render(request, "reports/digest_preview.html", {
        "form": form,
        "recipient": recipient,
        "people": people,
        "message": message,
        "message_id": message.extra_headers["Message-ID"] if message is not None else "",
        "week": digests.iso_week(week_start) if message is not None else "",
        "part": "text" if part == "text" else "html",
        "html": html,
    })
    if html:
        response["Content-Security-Policy"] = _policy_with_styles_of(html)
    return response


class _StyleAttributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = set()

    def handle_starttag(self, tag, attrs):
        self.values.update(value for name, value in attrs if name == "style" and value)


def _policy_with_styles_of(html: str) -> str:
    """The site's policy, plus the style attributes of `html` by their hashes.

    The framed e-mail (an iframe's srcdoc) lives under this page's policy, and an e-mail
    styles itself inline, as mail clients require. Allowing exactly its own attributes keeps
    every other inline style, and every inline script, refused on the page.
    """
    parser = _StyleAttributes()
    parser.feed(html)
    hashes = sorted(
        f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'"
        for value in parser.values
    )
    return build_policy(update={"style-src-attr": [UNSAFE_HASHES, *hashes]})


@login_required
def preferences(request):
    # A copy: an invalid timezone must not reach request.user (the page still uses it).
    form = DigestPreferencesForm(request.POST or None,
                                 instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        person = services.digest_preferences_set(
            user=request.user, opt_in=form.cleaned_data["digest_opt_in"],
            timezone_name=form.cleaned_data["timezone"],
        )
        messages.success(
            request,
            "Your weekly digest is on." if person.digest_opt_in else "Your weekly digest is off.",
        )
        return redirect("digests:preferences")
    deliveries = DigestDelivery.objects.filter(
        recipient=request.user, kind=DigestDelivery.Kind.DIGEST
    ).order_by("-week_start")[:8]
    return render(request, "reports/digest_preferences.html", {
        "form": form,
        "deliveries": deliveries,
        "timezones": _timezone_names(),
        "last_week": digests.iso_week(digests.last_week_start(request.user.today())),
    })


def _timezone_names() -> list[str]:
    return sorted(
        name for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )


# What each kind of e-mail's unsubscribe page calls it, and where a person turns it back on.
UNSUBSCRIBE_PAGES = {
    "digest": {"what": "weekly digest", "what_plural": "weekly digests",
               "preferences": "digests:preferences", "preferences_label": "digest preferences",
               "service": services.digest_unsubscribe},
    "reminder": {"what": "timesheet reminder", "what_plural": "timesheet reminders",
                 "preferences": "profile", "preferences_label": "profile",
                 "service": services.week_reminder_unsubscribe},
}


# The views without CSRF protection: a mail client's RFC 8058 one-click POST carries no
# session and no token. The signed token in the URL is the authorisation, and all it can do
# is turn that one person's digest (or reminder) off.
@csrf_exempt
@never_cache  # it names the person: no proxy or shared browser keeps it
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str, kind: str = "digest"):
    about = UNSUBSCRIBE_PAGES[kind]

    def page(state, person=None, status=200):
        return render(request, "reports/digest_unsubscribe.html", {
            "state": state, "person": person,
            "max_age_days": digests.UNSUBSCRIBE_MAX_AGE.days,
            "what": about["what"], "what_plural": about["what_plural"],
            "preferences_url": reverse(about["preferences"]),
            "preferences_label": about["preferences_label"],
        }, status=status)

    if token == digests.UNSUBSCRIBE_PLACEHOLDER:
        return page("preview")  # the link of a previewed digest: it unsubscribes nobody
    try:
        user = digests.user_from_unsubscribe_token(token, kind)
    except digests.UnsubscribeLinkExpired:
        return page("expired", status=410)
    if user is None:
        # Forged, mangled, another kind's, or in the first links' format (user id only).
        return page("invalid", status=404)
    if request.method == "POST":
        about["service"](user=user)
        return page("done", user)
    return page("confirm", user)
