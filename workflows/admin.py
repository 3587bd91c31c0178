"""Substitutes (ersättare) in the administrator's admin; every change is audited.

viewflow's own admin pages for processes and tasks are taken away: they would list every
case's workflow across units and let a superuser edit task rows behind the services' back.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from cases import audit
from workflows.models import Substitute

for model in (Process, Task):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Substitute)
class SubstituteAdmin(admin.ModelAdmin):
    list_display = ["person", "substitute", "starts_at", "ends_at", "is_active"]
    list_filter = ["starts_at"]
    search_fields = ["person__username", "person__last_name", "substitute__username", "substitute__last_name"]
    autocomplete_fields = ["person", "substitute"]
    date_hierarchy = "starts_at"

    @admin.display(description=_("active now"), boolean=True)
    def is_active(self, obj):
        return Substitute.objects.active().filter(pk=obj.pk).exists()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record("substitute.changed" if change else "substitute.added", actor=request.user, obj=obj,
                     payload={"person": obj.person_id, "substitute": obj.substitute_id,
                              "from": obj.starts_at, "to": obj.ends_at})

    def delete_model(self, request, obj):
        audit.record("substitute.deleted", actor=request.user, obj=obj,
                     payload={"person": obj.person_id, "substitute": obj.substitute_id})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
