"""The project's admin site: every ModelAdmin registered without a place among the kinds of
``cases.admin_scope`` (a third-party app's, or one added later) becomes an operator-only page,
audited like the rest. Installed as the default site through ``AdminConfig`` in INSTALLED_APPS."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        from cases.admin_scope import OperatorAdmin, ScopedAdmin

        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ScopedAdmin):
            admin_class = type(
                admin_class.__name__, (OperatorAdmin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "cases.admin_site.AdminSite"
