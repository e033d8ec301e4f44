"""The dashboard's forms, one module per job:

* ``filters``: the order lists' filter forms (24SevenOffice and QuickBooks), bound to the query string;
* ``fields``: fields and widgets that read what people type (numbers in every spelling, money, text
  with the contract's limits, e-mail lists, dates);
* ``order``: the order builder's forms (order, dimensions, lines) with the contract's field names;
* ``builder``: the builder as a whole: its state in the form, the amounts while building,
  ``OrderBuilder`` and what the builder's actions do to the state.

Their names are importable from this package directly (``forms.OrderBuilder``).
"""

from __future__ import annotations

from orders.forms.fields import (  # noqa: F401
    AMOUNT_LIMIT,
    AmbiguousNumber,
    AMOUNT_PLACES,
    CountryCodeField,
    DATE_BOUNDS,
    DAYS_TERMS,
    DateInput,
    EARLIEST_DATE,
    EMAILS_MAX_LENGTH,
    LATEST_DATE,
    EmailListField,
    far_date_note,
    HTML_NUMBER,
    ISO_DATE,
    IdField,
    IdInput,
    LINE_TYPE_CHOICES,
    MAX_DIMENSIONS,
    MAX_LINES,
    MAX_SIGNIFICANT_DIGITS,
    MEMO_MAX_LENGTH,
    MemoField,
    NumberField,
    PAYMENT_TERMS_TYPES,
    PLAIN_NUMBER,
    PRODUCT_NUMBER_MAX_LENGTH,
    SEPARATORS,
    SPACES,
    TEXT_MESSAGES,
    TextField,
    YOUR_REFERENCE_MAX_LENGTH,
    default_tax_id,
    money_input,
    parse_number,
    plain_number,
    tax_label,
)
from orders.forms.filters import (  # noqa: F401
    DEFAULT_PAGE_SIZE,
    LIST_PARAMS,
    ListFilterForm,
    OrderFilterForm,
    QBD_LIST_PARAMS,
    QuickBooksFilterForm,
)
from orders.forms.order import (  # noqa: F401
    BaseDimensionFormSet,
    BuilderFormSet,
    DimensionForm,
    DimensionFormSet,
    LineForm,
    LineFormSet,
    OrderForm,
    parse_date,
)
from orders.forms.builder import (  # noqa: F401
    AMOUNT_SOURCES,
    CUSTOMER_FORM_FIELDS,
    DELIVERY_FORM_FIELDS,
    DIMENSION_FIELDS,
    FIELD_SECTIONS,
    Figures,
    LINE_FIELDS,
    LIVE_CHECKED,
    LineRows,
    ORDER_FIELDS,
    OrderBuilder,
    SEARCH_FIELDS,
    blank_dimension,
    blank_line,
    blank_state,
    currency_rate_for,
    due_date_passed,
    figures,
    fill_customer,
    fill_delivery,
    fill_product,
    follows_sales_type,
    is_blank_dimension,
    is_blank_line,
    line_draft,
    lines_from_post,
    live_line_errors,
    move,
    state_from_data,
    state_from_post,
    state_to_post,
)
