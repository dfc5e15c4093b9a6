"""Log-in lockout, password change (signed in) and reset by e-mail: Django's own views, in the
app's style.

The reset e-mail is plain text (emails/password-reset-*.txt), sent through the usual EMAIL
settings from DEFAULT_FROM_EMAIL, and its link starts with SITE_URL like every other e-mail's,
not with whatever Host header the request came with. The reset form is throttled per address
and per e-mail address typed (settings.PAGE_THROTTLE_RATES), so it cannot be used to flood
someone's inbox; over the limit it sends nothing and says so.
"""

import hashlib
import logging

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

from .. import services
from ..forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from ..throttles import client_address, throttle_wait

log = logging.getLogger(__name__)


def locked_out(request, original_response, credentials):
    """The log-in page, answered 429 when django-axes refuses a log-in (AXES_LOCKOUT_CALLABLE):
    after the failure that reached the limit, and to every attempt until the cool-off ends,
    the right password included. The username stays in the form."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    # Never the password: only who and from where.
    log.warning("Log-in locked out: too many failed log-ins (username %r, address %s)",
                username, request.axes_ip_address)
    minutes = round(get_cool_off(request).total_seconds() / 60)
    form = AuthenticationForm(request, initial={"username": username})
    response = render(request, "registration/login.html", {
        "form": form,
        "next": request.POST.get("next", ""),
        "locked_out_minutes": minutes,
    }, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    subject_template_name = "emails/password-reset-subject.txt"
    email_template_name = "emails/password-reset-body.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        account = hashlib.sha256(email.encode()).hexdigest()  # no e-mail address in the cache
        wait = (throttle_wait("password_reset_address", client_address(self.request))
                or throttle_wait("password_reset_account", account))
        if wait:
            form.add_error(None, (
                "Too many password reset requests from your network or for this address: "
                f"nothing was sent this time. Try again in {wait} minute{'s' * (wait != 1)}. "
                "If you asked earlier, the link in that e-mail still works."
            ))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait * 60)
            return response
        # Read at request time, not when the URLs are loaded.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        # The e-mailed link proved who this is: their account's lockout ends with it.
        services.user_login_failures_clear(user=form.user)
        return response
