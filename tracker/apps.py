from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackerConfig(AppConfig):
    name = "tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .rollup import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="tracker_rollup_triggers")
