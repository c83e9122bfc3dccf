from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "smartunion.editorial"
    label = "editorial"
    verbose_name = "新媒体宣传"

    def ready(self):
        from smartunion.core.incoming import incoming_text
        from smartunion.editorial import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
        from smartunion.editorial.watch import on_incoming_text

        # The public-opinion watch reads what other apps announce (a case's description) without importing them.
        incoming_text.connect(on_incoming_text, dispatch_uid="editorial.watch")
