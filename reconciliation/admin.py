from django.contrib import admin

from .models import ReconMatch, ReconRun


@admin.register(ReconMatch)
class ReconMatchAdmin(admin.ModelAdmin):
    list_display = ("user", "rule", "status", "score", "left_key", "right_key", "currency", "left_amount",
                    "decided_at")
    list_filter = ("status", "rule")
    search_fields = ("left_key", "right_key", "user__email")
    readonly_fields = [f.name for f in ReconMatch._meta.fields]

    def has_add_permission(self, request):  # matches come from the engine or the person
        return False


@admin.register(ReconRun)
class ReconRunAdmin(admin.ModelAdmin):
    list_display = ("user", "trigger", "started_at", "items", "matched", "suggested", "locked")
    readonly_fields = [f.name for f in ReconRun._meta.fields]

    def has_add_permission(self, request):
        return False
