"""Project-wide middleware that belongs to no one app."""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person, and on
    every file download: a shared proxy must not serve one person's week or export to
    another, and a browser must not keep them on disk after log-out (the back button on a
    shared machine). Anonymous pages and /healthz are left as they are, and static files
    never reach this middleware (WhiteNoise answers them first), so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        download = response.get("Content-Disposition", "").lower().startswith("attachment")
        if download or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
