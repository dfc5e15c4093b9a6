"""Project-wide middleware that belongs to no one app."""

from django.conf import settings
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person, on every
    file download and on every answer under /api/: a shared proxy must not serve one
    person's week or export to another, and a browser must not keep them on disk after
    log-out (the back button on a shared machine). Under /api/ the refusals too: a 401 has
    no signed-in person to go by, and a 404 is cacheable by default.
    Anonymous pages and /healthz are left as they are, and static files never reach this
    middleware (WhiteNoise answers them first), so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        download = response.get("Content-Disposition", "").lower().startswith("attachment")
        api = request.path.startswith("/api/")
        if download or api or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` from settings.PERMISSIONS_POLICY on every response, unless a view
    set its own. Built once: the header is the same for every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
