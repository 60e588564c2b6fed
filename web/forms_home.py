from django import forms


class AlertsReadForm(forms.Form):
    alert = forms.UUIDField(required=False)  # empty: every unread alert
