from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .rollup import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="reports_rollup_triggers")
