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


SHARED = ((7, "Ærø & Bøker <AS>"), (12, 'Fjord "Data" AS'), (3, "Oslo Byggrengjøring AS (now OBR Renhold AS)"),
          (3, "OBR Renhold AS"), (45, "Zeta"))


@pytest.mark.parametrize("value", [None, "", "7", "3", "45", "99", "abc", 3])
def test_a_shared_choices_select_renders_as_djangos_select_does(value):
    from orders.renderers import SharedChoicesSelect

    attrs = {"id": "id_customer", "class": "input", "aria-describedby": "id_customer_error"}
    before, after = [("", "All customers")], ([("99", "Customer #99")] if value == "99" else [])
    fast = SharedChoicesSelect(SHARED, before=before, after=after, attrs={"data-x": "1"})
    django = forms.Select(choices=[*before, *SHARED, *after], attrs={"data-x": "1"})
    expected = django.render("customer", value, attrs, DjangoTemplates())
    assert fast.render("customer", value, attrs) == expected
    assert fast.render("customer", value, attrs) == expected  # from the kept markup
    assert expected.count(" selected") == (0 if value == "abc" else 1)


def test_a_shared_choices_select_keeps_its_markup_per_tuple_and_says_what_it_offers():
    import copy

    from orders.renderers import SharedChoicesSelect

    first = SharedChoicesSelect(SHARED)
    assert first.offers("12") and not first.offers("99") and not first.offers("")
    renamed = ((7, "Ærø AS"), *SHARED[1:])  # a new tuple (the list reloaded): its own markup
    assert ">Ærø AS<" in SharedChoicesSelect(renamed).render("c", None) and ">Ærø AS<" not in first.render("c", None)
    copied = copy.deepcopy(first)
    copied.attrs["class"] = "other"
    assert copied.shared is SHARED and "class" not in first.attrs
    assert copied.choices == list(SHARED)
