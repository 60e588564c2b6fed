"""One return on the returns page: the percentage, or "—" with why it cannot be computed. A
filter rather than an {% include %}: the page shows hundreds of them, and an include per cell
was most of the cached page's render time."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from .money import gain_tone, percent_signed

register = template.Library()


@register.filter
def return_figure(figure) -> str:
    if figure is None:
        return "—"
    if figure.value is not None:
        return format_html('<span class="gain gain--{}">{}</span>', gain_tone(figure.percent),
                           percent_signed(figure.percent))
    return format_html('<span class="not-computed" title="{}">—<small class="not-computed__reason">'
                       "Cannot be computed: {}</small></span>", figure.reason, figure.reason)
