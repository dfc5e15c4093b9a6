from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            lookups,  # noqa: F401  (registers field__any_of)
        )
        from .middleware import stamp_session_at_log_in

        user_logged_in.connect(stamp_session_at_log_in, dispatch_uid="stamp_session_at_log_in")
