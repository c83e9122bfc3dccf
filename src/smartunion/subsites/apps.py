from django.apps import AppConfig


class SubsitesConfig(AppConfig):
    name = "smartunion.subsites"
    label = "subsites"
    verbose_name = "城市分站"

    def ready(self):
        # The data apps below this one sign their messages through core.brand, which asks these look-ups.
        from smartunion.core import brand
        from smartunion.subsites import audit_actions  # noqa: F401  the labels of its audit actions (core.audit)
        from smartunion.subsites.queries import brand_for, brand_for_org

        brand.register(for_org=brand_for_org, for_user=brand_for)
