"""The profile page (/accounts/profile/): who you are, your timesheet reminder, your
personal API tokens, and a way to log out every other session.

A new token's secret is shown once, in the answer to the POST that made it: it is never
stored (only its hash is), never put in the session, and no later GET can show it. A
reload re-sends the form, which the taken name refuses. Like every page of a signed-in
person, the answer carries `Cache-Control: private, no-store` (config/middleware.py), so
the browser does not keep it on disk either. Making tokens is throttled per person
(settings.PAGE_THROTTLE_RATES["token_create"]): a session taken over cannot mint them by the
hundred.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..forms import ApiTokenForm, WeekReminderForm
from ..models import ApiToken
from ..throttles import throttle_wait


def _get_token_for_user(request, pk) -> ApiToken:
    """One of the signed-in person's own tokens; anyone else's answers 404."""
    return get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ApiTokenForm(request.POST or None, user=request.user)
    created = secret = wait = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if wait := throttle_wait("token_create", f"user-{request.user.pk}"):
            form.add_error(None, f"You have made too many tokens lately. Try again in {wait} "
                                 f"minute{'s' * (wait != 1)}.")
            status = 429
        elif made := form.save():
            created, secret = made
            form = ApiTokenForm(user=request.user)  # a blank form for the next one
    tokens = ApiToken.objects.filter(user=request.user).order_by(
        "revoked_at", "-created_at"  # active ones first (NULL sorts first), newest first
    )
    response = render(request, "tracker/profile.html", {
        "form": form,
        "tokens": tokens,
        "created": created,
        "secret": secret,
        "api_me_url": request.build_absolute_uri(reverse("api:me")),
        "reminder_form": WeekReminderForm(instance=request.user),
        "reminders_on": settings.WEEK_REMINDERS,
        "session_idle_hours": round(settings.SESSION_COOKIE_AGE / 3600),
    }, status=status)
    if wait:
        response["Retry-After"] = str(wait * 60)
    return response


@login_required
@require_POST
def sessions_end_others(request):
    """Logs out every other browser signed in as this person; this one stays signed in."""
    services.user_sessions_end(user=request.user)
    update_session_auth_hash(request, request.user)  # this session carries the new hash
    messages.success(request, "Logged out everywhere else. Your API tokens still work: "
                              "revoke any you no longer trust.")
    return redirect("profile")


@login_required
@require_POST
def reminder_set(request):
    """The profile page's timesheet reminder switch (an unchecked box posts nothing: off)."""
    form = WeekReminderForm(request.POST)
    form.is_valid()  # a checkbox: always valid, absent is False
    opt_in = form.cleaned_data["week_reminder_opt_in"]
    services.week_reminder_opt_in_set(user=request.user, opt_in=opt_in)
    messages.success(request, "Your timesheet reminder is on." if opt_in
                     else "Your timesheet reminder is off.")
    return redirect(f"{reverse('profile')}#reminder")


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = _get_token_for_user(request, pk)
    if token.revoked_at is not None:
        messages.info(request, f"The token “{token.name}” was revoked already.")
        return redirect("profile")
    if request.method == "POST":
        services.api_token_revoke(user=request.user, pk=token.pk)
        messages.success(request, f"Revoked the token “{token.name}”: it no longer works.")
        return redirect("profile")
    return render(request, "tracker/token_confirm_revoke.html", {"token": token})
