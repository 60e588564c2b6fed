"""Operators' view of categories, rules, corrections, budgets, alerts, recurring payments and the
trained models. The taxonomy is data loaded by a migration, so it is read-only here."""

from django.contrib import admin

from .models import (
    Budget,
    BudgetAlert,
    CategoriserModel,
    Category,
    CategoryRule,
    MerchantCorrection,
    RecurringPayment,
    TransferPair,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "primary", "kind", "icon", "uk_extension")
    list_filter = ("primary", "kind", "uk_extension")
    search_fields = ("code", "label")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CategoryRule)
class CategoryRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "category", "match_field", "match_type", "pattern", "priority", "is_active")
    list_filter = ("is_active", "match_type")
    search_fields = ("name", "pattern", "user__email")
    raw_id_fields = ("user", "account")


@admin.register(MerchantCorrection)
class MerchantCorrectionAdmin(admin.ModelAdmin):
    list_display = ("merchant_key", "category", "user", "times", "updated_at")
    search_fields = ("merchant_key", "user__email")
    raw_id_fields = ("user",)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("user", "category", "amount", "currency", "rollover", "start_month")
    raw_id_fields = ("user",)


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ("user", "message", "month", "threshold", "read_at", "created_at")
    raw_id_fields = ("user", "budget")


@admin.register(RecurringPayment)
class RecurringPaymentAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "kind", "frequency", "typical_amount", "next_expected_date", "is_active")
    list_filter = ("kind", "frequency", "is_active")
    raw_id_fields = ("user", "account")


@admin.register(TransferPair)
class TransferPairAdmin(admin.ModelAdmin):
    list_display = ("user", "outflow", "inflow", "created_at")
    raw_id_fields = ("user", "outflow", "inflow")


@admin.register(CategoriserModel)
class CategoriserModelAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "trained_on", "classes", "holdout_accuracy", "is_active")
    exclude = ("blob",)
    readonly_fields = ("created_at", "trained_on", "classes", "holdout_accuracy")
