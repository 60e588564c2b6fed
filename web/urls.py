"""The web app's pages, mounted at the site root by config/urls.py."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views
from . import views_bank_imports as bank_imports
from . import views_editing as editing
from . import views_home as home
from . import views_pensions_finder as pension_finder
from . import views_portfolio as portfolio
from . import views_returns as figures
from . import views_tax as tax

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (the sandbox's, the API docs).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("connections/", views.connections, name="connections"),
    path("connections/connect/", views.connection_connect, name="connection-connect"),
    path("connections/<uuid:pk>/sync/", views.connection_sync, name="connection-sync"),
    path("connections/<uuid:pk>/sync-runs/<uuid:run_id>/", views.connection_sync_status,
         name="connection-sync-status"),
    path("connections/<uuid:pk>/reconnect/", views.connection_reconnect, name="connection-reconnect"),
    path("connections/<uuid:pk>/disconnect/", views.connection_disconnect, name="connection-disconnect"),
    path("my-accounts/", views.accounts, name="accounts"),
    path("my-accounts/manual/", views.manual_account_create, name="manual-account-create"),
    path("my-accounts/manual/<uuid:pk>/delete/", views.manual_account_delete, name="manual-account-delete"),
    path("transactions/", views.transactions, name="transactions"),
    path("transactions/export.csv", views.transactions_export, name="transactions-export"),
    path("transactions/<uuid:pk>/category/", views.transaction_category, name="transaction-category"),
    path("budgets/", views.budgets, name="budgets"),
    path("budgets/set/", views.budget_set, name="budget-set"),
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("portfolio/capital-gains/", tax.cgt_report_page, name="cgt-report"),
    path("portfolio/capital-gains.csv", tax.cgt_report_csv, name="cgt-report-csv"),
    path("portfolio/income/", tax.income_report_page, name="income-report"),
    path("portfolio/connect/", portfolio.platform_connect, name="platform-connect"),
    path("portfolio/connect/<slug:slug>/", portfolio.platform_connect_key, name="platform-connect-key"),
    path("portfolio/statements/", portfolio.statement_upload, name="statement-upload"),
    path("portfolio/statements/<uuid:pk>/", portfolio.statement_preview_page, name="statement-preview"),
    path("portfolio/statements/<uuid:pk>/confirm/", portfolio.statement_confirm_page, name="statement-confirm"),
    path("portfolio/statements/<uuid:pk>/cancel/", portfolio.statement_cancel, name="statement-cancel"),
    path("portfolio/connections/<uuid:pk>/sync/", portfolio.portfolio_sync, name="portfolio-sync"),
    path("portfolio/connections/<uuid:pk>/sync-runs/<uuid:run_id>/", portfolio.portfolio_sync_status,
         name="portfolio-sync-status"),
    path("portfolio/connections/<uuid:pk>/disconnect/", portfolio.portfolio_disconnect,
         name="portfolio-disconnect"),
    path("portfolio/accounts/<uuid:pk>/wrapper/", portfolio.portfolio_account_wrapper,
         name="portfolio-account-wrapper"),
    path("portfolio/accounts/<uuid:account_pk>/securities/<uuid:security_pk>/", portfolio.holding_trades,
         name="holding-trades"),
    path("pensions/find/", pension_finder.pension_finder, name="pension-finder"),
    path("pensions/find/<slug:register_id>/request/", pension_finder.pension_request_new, name="pension-request-new"),
    path("pensions/requests/", pension_finder.pension_requests, name="pension-requests"),
    path("pensions/requests/<uuid:pk>/", pension_finder.pension_request, name="pension-request"),
    path("pensions/requests/<uuid:pk>/sent/", pension_finder.pension_request_sent, name="pension-request-sent"),
    path("pensions/requests/<uuid:pk>/answered/", pension_finder.pension_request_answered,
         name="pension-request-answered"),
    path("pensions/requests/<uuid:pk>/delete/", pension_finder.pension_request_delete, name="pension-request-delete"),
    path("my-accounts/import/", bank_imports.bank_import_upload, name="bank-import-upload"),
    path("my-accounts/import/<uuid:pk>/", bank_imports.bank_import_preview, name="bank-import-preview"),
    path("my-accounts/import/<uuid:pk>/mapping/", bank_imports.bank_import_mapping, name="bank-import-mapping"),
    path("my-accounts/import/<uuid:pk>/confirm/", bank_imports.bank_import_confirm, name="bank-import-confirm"),
    path("my-accounts/import/<uuid:pk>/cancel/", bank_imports.bank_import_cancel, name="bank-import-cancel"),
    path("my-accounts/import/columns/<uuid:pk>/delete/", bank_imports.bank_import_mapping_delete,
         name="bank-import-mapping-delete"),
    path("portfolio/returns/", figures.returns_page, name="returns"),
    path("portfolio/allocation/", figures.allocation_page, name="allocation"),
    path("net-worth/", figures.net_worth_page, name="net-worth"),
]

from . import views_pensions as pensions  # noqa: E402  (appended: my pensions, history, State Pension, projection)

urlpatterns += [
    path("pensions/", pensions.pensions, name="pensions"),
    path("pensions/add/", pensions.pension_add, name="pension-add"),
    path("pensions/state-pension/", pensions.state_pension, name="state-pension"),
    path("pensions/projection/", pensions.projection, name="pension-projection"),
    path("pensions/connect/<slug:slug>/", pensions.pension_connect, name="pension-connect"),
    path("pensions/connections/<uuid:pk>/statement/", pensions.pension_statement, name="pension-statement"),
    path("pensions/connections/<uuid:pk>/withdraw-consent/", pensions.pension_consent_withdraw,
         name="pension-consent-withdraw"),
    path("pensions/<uuid:pk>/", pensions.pension_detail, name="pension"),
    path("pensions/<uuid:pk>/edit/", pensions.pension_edit, name="pension-edit"),
    path("pensions/<uuid:pk>/values/", pensions.pension_value_add, name="pension-value-add"),
    path("pensions/<uuid:pk>/delete/", pensions.pension_delete, name="pension-delete"),
    # The person's own money, editable (issue 18 §2): web/views_editing.py
    path("transactions/<uuid:pk>/", editing.transaction_page, name="transaction-edit"),
    path("categories/", editing.categories_page, name="categories"),
    path("categories/<uuid:pk>/delete/", editing.category_delete, name="category-delete"),
    path("budgets/settings/", editing.budget_settings, name="budget-settings"),
    path("rules/", editing.rules_page, name="rules"),
    path("rules/<uuid:pk>/apply/", editing.rule_apply_page, name="rule-apply"),
    path("rules/<uuid:pk>/delete/", editing.rule_delete_page, name="rule-delete"),
    path("my-accounts/<uuid:pk>/", editing.account_page, name="account"),
    path("my-accounts/manual/<uuid:pk>/balance/", editing.manual_balance, name="manual-balance"),
    path("my-accounts/manual/<uuid:pk>/transactions/", editing.manual_transaction_new, name="manual-transaction-new"),
    path("home/alerts/read/", home.alerts_read, name="home-alerts-read"),
]

from . import views_payments as payments  # noqa: E402  (appended: the business's payment processors)

urlpatterns += [
    path("payments/", payments.payments, name="payments"),
    path("payments/payouts/", payments.payouts, name="payments-payouts"),
    path("payments/payouts/<uuid:pk>/", payments.payout, name="payments-payout"),
    path("payments/balances/<uuid:pk>/transactions/", payments.transactions, name="payments-transactions"),
    path("payments/disputes/", payments.disputes, name="payments-disputes"),
    path("payments/connect/<slug:slug>/", payments.connect, name="payments-connect"),
    path("payments/connect/<slug:slug>/key/", payments.connect_key, name="payments-connect-key"),
    path("payments/connections/<uuid:pk>/sync/", payments.sync, name="payments-sync"),
    path("payments/connections/<uuid:pk>/disconnect/", payments.disconnect, name="payments-disconnect"),
]
