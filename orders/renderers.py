"""A form renderer that builds Django's standard widget markup in Python.

Django renders every ``<input>``, ``<select>`` and ``<option>`` through its template engine, about a
millisecond a widget. The order list's filter form and the order builder (up to a few hundred line
fields) are on the hot path, so the widgets whose templates are plain markup — inputs, selects with
their options, textareas — are built here, producing exactly what Django's templates produce
(``tests/orders/test_renderers.py`` compares them). Every other template goes to Django as usual.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

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
