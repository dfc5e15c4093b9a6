"""Password change (signed in) and reset by e-mail: Django's own views, in the app's style.

The reset e-mail is plain text (emails/password-reset-*.txt), sent through the usual EMAIL
settings from DEFAULT_FROM_EMAIL, and its link starts with SITE_URL like every other e-mail's,
not with whatever Host header the request came with.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views

from ..forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    subject_template_name = "emails/password-reset-subject.txt"
    email_template_name = "emails/password-reset-body.txt"

    def form_valid(self, form):
        # Read at request time, not when the URLs are loaded.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
