"""The fast form renderer produces exactly the markup of Django's own widget templates."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from orders.renderers import FastFormRenderer


class Everything(forms.Form):
    text = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"class": "input", "placeholder": 'a "quote" & <tag>'}))
    number = forms.DecimalField(required=False)
    email = forms.EmailField()
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    flag = forms.BooleanField(required=False)
    search = forms.CharField(widget=forms.SearchInput(attrs={"autofocus": True, "disabled": False}))
    choice = forms.ChoiceField(choices=[("", "All"), ("a", "Ærø & Bøker <AS>"), (3, mark_safe("<b>safe</b>"))])
    grouped = forms.ChoiceField(choices=[("North", [("1", "Tromsø"), ("2", "Bodø")]), ("3", "Oslo")])
    memo = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    empty_memo = forms.CharField(widget=forms.Textarea, required=False)


@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_renders_as_djangos_templates_do(bound):
    data = {"text": "Storgata 1 <b>", "number": "12.50", "email": "x@y.no", "date": "2026-11-21",
            "hidden": "tok'en", "flag": "on", "search": "ærø", "choice": "a", "grouped": "2",
            "memo": "Line 1\n<Line 2>", "empty_memo": ""}
    initial = {"date": dt.date(2026, 11, 21), "number": Decimal("1.5"), "choice": 3}
    def make(renderer):
        return Everything(data=data, renderer=renderer) if bound else Everything(initial=initial, renderer=renderer)

    fast, django = make(FastFormRenderer()), make(DjangoTemplates())
    for name in Everything.base_fields:
        assert str(fast[name]) == str(django[name]), name


def test_the_renderer_is_the_projects_default(settings):
    assert settings.FORM_RENDERER == "orders.renderers.FastFormRenderer"
