"""Use cases of the dashboard. Views call these and nothing else that talks to an upstream.

Each function takes keyword arguments, works on the current ERP connection (``orders.connections``)
through its connector, and returns domain objects. Failures surface as the
``orders.erp.errors.UpstreamError`` family; views decide what the user sees. One module per job:

* ``orders``: 24SevenOffice orders for the list and the order page;
* ``references``: cached reference data (names, tax codes, currencies, dimensions, customer choices);
* ``lookups``: the builder's customer and product searches and a product line's tax code;
* ``healthcheck``: the database's and each connection's state for ``/healthz``;
* ``common``: the pool a page's concurrent calls run on, and per-connection cache keys.

QuickBooks companies are read from the local order index (``orders.services.index``) and, for one order,
``orders.services.quickbooks_order``. This package's names are importable from it directly (``services.order_list``).
"""

from __future__ import annotations

from orders.services.common import (  # noqa: F401
    cached,
    normalized,
    pool,
    scoped,
    wait,
)
from orders.services.healthcheck import (  # noqa: F401
    HEALTH_PROBE_KEY,
    ConnectionHealth,
    Health,
    health,
)
from orders.services.lookups import (  # noqa: F401
    CUSTOMER_CLOCK_MARGIN,
    CUSTOMER_LIST_KEY,
    CUSTOMER_LIST_PAGES,
    CUSTOMER_LIST_SECONDS,
    CUSTOMER_TOP_UP_PAGES,
    CUSTOMER_TOP_UP_SECONDS,
    FOLDED_LETTERS,
    POSTING_LISTS,
    SEARCH_LIMIT,
    SEARCH_QUERY_MAX_LENGTH,
    CustomerList,
    ProductLine,
    customer_detail,
    customer_list,
    customer_search,
    folded,
    posting_tax_id,
    posting_tax_ids,
    product_detail,
    product_line,
    product_overrides,
    product_search,
)
from orders.services.orders import (  # noqa: F401
    PAGE_SIZES,
    STATUS_FILTERS,
    DimensionRow,
    FieldComparison,
    OrderDetail,
    OrderFilters,
    UpstreamCall,
    customer_hints,
    order_detail,
    order_list,
    snapshot_comparison,
    start_order_detail,
    start_order_list,
    totals_disagree,
)
from orders.services.references import (  # noqa: F401
    CUSTOMER_CHOICES_KEY,
    DIMENSION_ELEMENT_PAGES,
    FORMER_NAMES_CUSTOMERS,
    FORMER_NAMES_KEY,
    FORMER_NAMES_PER_CUSTOMER,
    FORMER_NAMES_SECONDS,
    REFERENCE_LOADERS,
    BuilderReference,
    builder_reference,
    currencies,
    customer_choices,
    dimension_elements,
    every_customer,
    note_customer_names,
    reference,
    references_async,
)
