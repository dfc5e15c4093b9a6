"""Project-wide middleware that belongs to no one app."""

from django.conf import settings
from django.shortcuts import render
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


class MethodNotAllowedPageMiddleware:
    """A page's 405 (a GET of an address that only takes a form's POST, e.g. followed from
    the log-in page's `next=`) answers a page that says so, not the browser's blank error.
    Its `Allow` header stays; the API's JSON 405s are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code == 405 and not response.content
                and not request.path.startswith("/api/")):
            page = render(request, "405.html", status=405)
            if "Allow" in response:
                page["Allow"] = response["Allow"]
            return page
        return response
