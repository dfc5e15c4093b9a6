"""Project-wide middleware that belongs to no one app."""

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


# Scripts only from our own files: a tag or an on*= attribute that slipped into a page
# unescaped would still not run. Inline style attributes are allowed (the charts and bars
# use them). Django's admin is left to its own markup: a contrib template there (celery
# beat's task form) carries an inline script.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])


class ContentSecurityPolicyMiddleware:
    """The policy above on every page outside /admin/, unless a view set its own (the
    digest's HTML part on its own is served as a sandbox)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
