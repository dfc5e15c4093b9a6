"""`Authorization: Bearer <token>` with a personal API token (tracker.models.ApiToken)."""

import datetime as dt

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions

from ..models import ApiToken
from ..services import api_token_hash

LAST_USED_EVERY = dt.timedelta(minutes=1)  # one write a minute per token, not one per request


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    # An error report (Django's 500 page, the mail to ADMINS) lists each frame's variables:
    # the secret is starred out there. The Authorization header itself is hidden already
    # (SafeExceptionReporterFilter hides every META key with AUTH in its name).
    @sensitive_variables("header", "secret")
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as: Authorization: Bearer <token>."
            )
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        now = timezone.now()
        token = (
            ApiToken.objects.active(now).select_related("user")
            .filter(token_hash=api_token_hash(secret)).first()
        )
        # Unknown, revoked and expired tokens get the same answer: nothing to probe.
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Names the Bearer token in the OpenAPI schema (/api/schema/)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix="Bearer")
