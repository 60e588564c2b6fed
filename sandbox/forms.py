"""The mock bank's login form, shared by every protocol's consent pages."""

from __future__ import annotations

from django import forms

from .faults import FAULT_LOGINS, is_known_login
from .institutions import INSTITUTIONS


class BankLoginForm(forms.Form):
    institution = forms.ChoiceField(choices=[(i.slug, i.name) for i in INSTITUTIONS], widget=forms.RadioSelect)
    username = forms.CharField(max_length=150, help_text="Any name; error.* names inject faults.")
    password = forms.CharField(max_length=200, widget=forms.PasswordInput, help_text="Anything non-empty.")

    def __init__(self, *args, fixed_institution: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_institution:  # the institution was chosen before the bank's page (provider_id, link)
            del self.fields["institution"]
        self.fixed_institution = fixed_institution

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not is_known_login(username):
            raise forms.ValidationError(f"Unknown fault login. Use one of: {', '.join(FAULT_LOGINS)}.")
        return username

    @property
    def institution_slug(self) -> str:
        return self.fixed_institution or self.cleaned_data["institution"]
