"""A form renderer that builds Django's standard widget markup in Python.

Django renders every ``<input>``, ``<select>`` and ``<option>`` through its template engine, about a
millisecond a widget. The order list's filter form and the order builder (up to a few hundred line
fields) are on the hot path, so the widgets whose templates are plain markup — inputs, selects with
their options, textareas — are built here, producing exactly what Django's templates produce
(``tests/orders/test_renderers.py`` compares them). Every other template goes to Django as usual.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime",
                 "time", "checkbox", "search", "tel", "color")
)
SELECT_TEMPLATE = f"{WIDGETS}select.html"
OPTION_TEMPLATE = f"{WIDGETS}select_option.html"
TEXTAREA_TEMPLATE = f"{WIDGETS}textarea.html"


def _escape(value: Any) -> str:
    """Django's autoescape: safe strings pass through, everything else is ``str()`` and escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"')
    return "".join(parts)


def render_input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    value_attr = "" if value is None else f' value="{_escape(value)}"'
    return f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>'


PLAIN = (str, int)  # exact types: a SafeString must not be escaped, so it takes the long way
SELECTED = {"selected": True}


def render_option(option: dict[str, Any]) -> str:
    value, label, attrs = option["value"], option["label"], option["attrs"]
    if type(value) in PLAIN and type(label) in PLAIN and (not attrs or attrs == SELECTED):
        # A long <select> (the list's customer filter) repeats the same options on every page.
        return _plain_option(value, label, bool(attrs))
    return f'<option value="{_escape(value)}"{_attrs(attrs)}>{_escape(label)}</option>'


@lru_cache(maxsize=4096)
def _plain_option(value: str | int, label: str | int, selected: bool) -> str:
    return f'<option value="{escape(str(value))}"{" selected" if selected else ""}>{escape(str(label))}</option>'


def render_select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        for option in options:
            if option.get("template_name", OPTION_TEMPLATE) != OPTION_TEMPLATE:
                return ""  # a custom option template: let Django render the whole widget
            # Django's option template ends with a newline, which its output keeps.
            parts.append(f"\n  {render_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return f'<textarea name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{_escape(value) if value else ""}</textarea>'


class FastFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return render_input(widget)
            if template_name == SELECT_TEMPLATE:
                html = render_select(widget)
                if html:
                    return html
            elif template_name == TEXTAREA_TEMPLATE:
                return render_textarea(widget)
        return super().render(template_name, context, request)


class SharedChoicesSelect(forms.Select):
    """A ``<select>`` over a long tuple of choices that every page shares (the order list's customer
    filter: up to 5,000 customers, kept in the process for a while): the options' markup is built once
    per tuple and kept, and a page only marks its chosen option. Django's ``Select`` builds a dict per
    option on every page (about 0.5 ms with the demo's 80 customers, tens of ms with thousands).

    ``before`` and ``after`` are a few options of this page's own around the shared ones ("All
    customers", a bookmarked id no longer in the list). The markup, the chosen option included (the
    first whose value matches), is Django's (``tests/orders/test_renderers.py`` compares them)."""

    def __init__(self, shared: Sequence[tuple[Any, Any]], *, before=(), after=(), attrs=None) -> None:
        super().__init__(attrs)
        self.shared, self.before, self.after = shared, tuple(before), tuple(after)

    @property
    def choices(self) -> list:
        return [*self.before, *self.shared, *self.after]

    @choices.setter
    def choices(self, value) -> None:
        if value:
            raise TypeError("SharedChoicesSelect takes its choices as shared, before and after")

    def __deepcopy__(self, memo):
        # As ChoiceWidget's, but the shared tuple is shared, not copied.
        obj = copy.copy(self)
        obj.attrs = self.attrs.copy()
        memo[id(self)] = obj
        return obj

    def offers(self, value: str) -> bool:
        """Whether one of the shared choices has ``value``."""
        return _shared_markup(self.shared)[1].get(value) is not None

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = [str(v) for v in self.format_value(value)]
        markup, positions = _shared_markup(self.shared)
        parts = [f'<select name="{_escape(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        unmarked = bool(chosen)

        def own(options) -> None:
            nonlocal unmarked
            for option_value, label in options:
                selected = unmarked and str(option_value) in chosen
                unmarked = unmarked and not selected
                parts.append(f"\n  {_option(option_value, label, selected)}\n")

        own(self.before)
        if unmarked and (found := [positions[v] for v in chosen if v in positions]):
            at = min(found)  # where the first matching option's opening tag ends, before its ">"
            parts.append(f"{markup[:at]} selected{markup[at:]}")
            unmarked = False
        else:
            parts.append(markup)
        own(self.after)
        parts.append("\n</select>")
        return "".join(parts)


def _option(value: Any, label: Any, selected: bool) -> str:
    if type(value) in PLAIN and type(label) in PLAIN:
        return _plain_option(value, label, selected)
    return f'<option value="{_escape(value)}"{" selected" if selected else ""}>{_escape(label)}</option>'


_SHARED_KEPT = 8
_shared: dict[int, tuple[Sequence, str, dict[str, int]]] = {}
_shared_lock = threading.Lock()


def _shared_markup(choices: Sequence[tuple[Any, Any]]) -> tuple[str, dict[str, int]]:
    """The options' markup of ``choices`` and, per value, where its first option's opening tag ends.
    Kept for the last few tuples by identity: the tuple is immutable and shared by every page."""
    found = _shared.get(id(choices))
    if found is not None and found[0] is choices:
        return found[1], found[2]
    parts, positions, length = [], {}, 0
    for value, label in choices:
        option = f"\n  {_option(value, label, False)}\n"
        positions.setdefault(str(value), length + option.index(">"))
        parts.append(option)
        length += len(option)
    markup = "".join(parts)
    with _shared_lock:
        while len(_shared) >= _SHARED_KEPT:
            del _shared[next(iter(_shared))]  # the oldest (one company's list per company in use)
        _shared[id(choices)] = (choices, markup, positions)
    return markup, positions
