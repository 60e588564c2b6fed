"""The home screen: the landing page after login, drawn from the tile registry
(integrations_core/home_tiles.py), so it names no family. Anonymous visitors get the welcome page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from integrations_core.home_tiles import home_tiles_for
from transactions.services.alerts import budget_alerts_mark_read

from .forms_home import AlertsReadForm


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html")
    today = timezone.localdate()
    return render(request, "web/home/home.html", {"today": today,
                                                  "results": home_tiles_for(request.user, today=today)})


@login_required
@require_POST
def alerts_read(request):
    """Mark one alert (`alert`) or every unread one read; another person's id changes nothing."""
    form = AlertsReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That alert could not be found.")
        return redirect("web:home")
    alert = form.cleaned_data.get("alert")
    count = budget_alerts_mark_read(user=request.user, ids=[alert] if alert else None)
    if count:
        messages.success(request, "Marked as read." if alert else f"Marked {count} alerts as read.")
    return redirect("web:home")
