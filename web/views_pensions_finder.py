"""Find a lost pension: search the register by former employer, scheme or brand, then write to a
found scheme in one click and track the reply. Thin, as web/views.py: the register selectors and
request services do the work; a request is found through the person's own rows (anyone else's id
is a 404); the person's details are posted (sensitive, never logged) and only shown back to them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pensions.info_requests import selectors as request_selectors
from pensions.info_requests.letter import information_letter, scheme_postal_lines
from pensions.info_requests.services import (
    RequestTransitionError,
    information_request_create,
    information_request_delete,
    information_request_mark_answered,
    information_request_mark_sent,
    information_request_overdue,
)
from pensions.info_requests.validation import dates_check, ni_number_validate
from pensions.register.selectors import TRACING_SERVICE_URL, find_pensions, scheme_get

DATE = forms.DateInput(attrs={"type": "date"})


class FinderForm(forms.Form):
    q = forms.CharField(label="Former employer, scheme or provider", max_length=200, min_length=2,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. Morrisons, BT, Scottish Equitable"}))


class InformationRequestForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    previous_names = forms.CharField(label="Previous names (if any)", max_length=300, required=False)
    date_of_birth = forms.DateField(label="Date of birth", widget=DATE)
    ni_number = forms.CharField(label="National Insurance number", max_length=20,
                                help_text="On your payslip or P60, for example AB 12 34 56 C.")
    current_address = forms.CharField(label="Current address", max_length=500,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    previous_addresses = forms.CharField(label="Addresses while you worked there (if different)", max_length=2000,
                                         required=False, widget=forms.Textarea(attrs={"rows": 3}))
    employer_name = forms.CharField(label="Employer", max_length=200)
    employment_start = forms.DateField(label="Started", widget=DATE)
    employment_end = forms.DateField(label="Left", widget=DATE, required=False)
    email = forms.EmailField(label="E-mail for their reply (optional)", required=False)

    def clean_ni_number(self):
        return ni_number_validate(self.cleaned_data["ni_number"])

    def clean(self):
        data = super().clean()
        for field, errors in dates_check(date_of_birth=data.get("date_of_birth"),
                                         employment_start=data.get("employment_start"),
                                         employment_end=data.get("employment_end")).items():
            for error in errors:
                self.add_error(field, error)
        return data


class AnsweredForm(forms.Form):
    answered_on = forms.DateField(label="Reply received on", widget=DATE, required=False)
    notes = forms.CharField(label="What they said", max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class SentForm(forms.Form):
    sent_on = forms.DateField(label="Sent on", widget=DATE, required=False)


@login_required
@require_GET
def pension_finder(request):
    form = FinderForm(request.GET if "q" in request.GET else None)
    search = find_pensions(form.cleaned_data["q"]) if form.is_valid() else None
    results = [{"match": m, "postal_lines": scheme_postal_lines(m.scheme)} for m in search.matches] if search else []
    return render(request, "web/pensions/finder.html", {
        "form": form, "search": search, "results": results, "tracing_service_url": TRACING_SERVICE_URL,
        "requests": request_selectors.information_request_list(request.user)[:5],
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def pension_request_new(request, register_id):
    scheme = scheme_get(register_id)
    if request.method == "POST":
        form = InformationRequestForm(request.POST)
        if form.is_valid():
            created = information_request_create(user=request.user, scheme=scheme, details=form.cleaned_data)
            messages.success(request, f"Your letter to {scheme.name} is ready to send.")
            return redirect("web:pension-request", pk=created.pk)
    else:
        # The person's own details from their last request, so a second scheme is one click away
        # (the employer and dates are per job, so they start empty).
        latest = request_selectors.information_request_list(request.user).order_by("-created_at").first()
        remembered = {k: v for k, v in (latest.person_details if latest else {}).items()
                      if k not in ("employer_name", "employment_start", "employment_end") and v}
        form = InformationRequestForm(initial={"email": request.user.email, **remembered,
                                               "employer_name": request.GET.get("employer", "")[:200]})
    return render(request, "web/pensions/finder_request.html", {"scheme": scheme, "form": form},
                  status=400 if form.is_bound else 200)


@login_required
@require_GET
def pension_requests(request):
    rows = [{"request": r, "overdue": information_request_overdue(r)}
            for r in request_selectors.information_request_list(request.user)]
    return render(request, "web/pensions/finder_requests.html", {"rows": rows})


@login_required
@require_GET
def pension_request(request, pk):
    info_request = request_selectors.information_request_get(request.user, pk)
    return render(request, "web/pensions/finder_letter.html", {
        "info_request": info_request, "letter": information_letter(info_request),
        "overdue": information_request_overdue(info_request), "sent_form": SentForm(), "answered_form": AnsweredForm(),
    })


def _transition(request, pk, form_class, service):
    info_request = request_selectors.information_request_get(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("web:pension-request", pk=pk)
    try:
        service(info_request, **form.cleaned_data)
    except RequestTransitionError as exc:
        messages.error(request, exc.message)
    return redirect("web:pension-request", pk=pk)


@login_required
@require_POST
def pension_request_sent(request, pk):
    return _transition(request, pk, SentForm, information_request_mark_sent)


@login_required
@require_POST
def pension_request_answered(request, pk):
    return _transition(request, pk, AnsweredForm, information_request_mark_answered)


@login_required
@require_POST
def pension_request_delete(request, pk):
    information_request_delete(request_selectors.information_request_get(request.user, pk))
    messages.success(request, "The request and the details in it are deleted.")
    return redirect("web:pension-requests")
