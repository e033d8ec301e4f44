"""Where Autofy's documentation is silent: every behaviour the stand-in chose, in one place.

Autofy documents its envelope, its codes, its query parameters and its rate limit, but not the details a
client meets first (the shape of an error, what a create answers, how PATCH treats lines, how an offline
agent answers...; AUTOFY.md §1.12 lists the gaps). The stand-in decides each of them here, and the code
reads these values rather than repeating them, so a decision is corrected in one place when the real
behaviour is known. The README's "Autofy: where its documentation is silent" lists the same decisions.

Numbers in brackets name the gap in AUTOFY.md §1.12.
"""

from decimal import Decimal

# --- [1] The error object and where it sits ------------------------------------------------------------
#
# An error is ``{"Code": <int>, "Message": <str>}``: the code a JSON number, the message QuickBooks' or
# Autofy's own words. Errors about the request (the key, the endpoint, the rate limit, the agent, an
# unknown object name, a bad query or body) sit in the top-level ``Errors``. Errors about one object
# (QuickBooks' 3xxx answers to a write, an ``Id`` that does not exist) sit on its ``Contents`` item, whose
# ``Object`` is then null; the answer is still HTTP 200. ``HasErrors`` is true whenever either holds one.
# QuickBooks stops at the first problem it finds in a request: an object error lists one error.

# HTTP status of each request-level code (Autofy's classes: 4xx the request could not be processed, 5xx
# part of the service or the agent is unreachable).
HTTP_STATUS = {
    1300: 502,  # unknown error talking to the endpoint
    1301: 502,  # unknown error building the response
    1302: 503,  # unable to retrieve the token from the agent (not connected)
    1303: 503,  # internal server error / planned maintenance
    1400: 401,  # required header missing
    1401: 401,  # required header invalid
    1402: 403,  # endpoint does not belong to the API key
    1403: 401,  # trial key expired
    1404: 403,  # trial key: a GET must name an Id, Name or Number
    1507: 404,  # object not found (GET by ID)
    1600: 503,  # the agent did not answer (waited too long in the queue)
    1601: 503,
    1602: 503,
    1900: 503,  # the agent's queue is full
    4000: 400,  # general: an unknown object name, a bad query or body
}
# A code the stand-in gives to errors Autofy documents no code for (a bad query, an unknown object name,
# a method an object does not support, the rate limit).
GENERAL_ERROR = 4000

# --- The envelope --------------------------------------------------------------------------------------
#
# ``Kind`` is "collection" on the envelope and on every ``Contents`` item (the only example Autofy shows).
# ``Self`` is the request's absolute URL; an item's ``Self`` is its object's URL (``…/SalesOrder/{ID}``).
# ``RequestId`` is 32 upper-case hex digits, fresh for every answer. ``Page`` is the page served (1 for
# one object and for writes). ``MoreData`` is a boolean on lists and null on one object and on writes.
ENVELOPE_KIND = "collection"

# --- [2] What a create answers -------------------------------------------------------------------------
#
# POST answers HTTP 200 with the created object (its new ``ID``, ``EditSequence`` and computed amounts) in
# ``Contents[0].Object``. A create or update that QuickBooks refuses changes nothing (QuickBooks' add and
# mod requests are atomic).
CREATE_STATUS = 200

# --- [3] PATCH and lines -------------------------------------------------------------------------------
#
# PATCH takes ``ID`` and the fields to change. ``ItemLines`` left out keeps the lines. ``ItemLines`` sent
# replaces them: a line whose ``ID`` matches an existing line updates that line (the fields it leaves out
# keep their values), a line with no ``ID``, an empty one or "-1" is new, and every existing line not named
# is deleted (an invoiced line cannot be deleted: 3180). An unknown line ``ID`` is 3120. ``SubLines`` of a
# group line work the same way inside the group; a group whose ``Quantity`` changes without ``SubLines``
# scales its sub-lines' quantities.
NEW_LINE_IDS = ("", "-1")
# ``EditSequence`` is not in Autofy's template; the stand-in shows it on every order and accepts it on
# PATCH: sent and not the current one, the PATCH is refused with 3200 (nothing changes). Left out, the
# current one is used, as Autofy must do itself.
# ``null`` for a field means "not sent". A text sent as "" is cleared. A reference cannot be cleared: one
# with neither ``ID`` nor ``FullName`` is an invalid reference (3140).
# A field the template does not have is refused (400, 4000), so that a client's typo shows in tests.
# Fields QuickBooks computes are ignored when sent (``COMPUTED_HEADER``, ``COMPUTED_LINE``: a sales order
# line has no account in QuickBooks, so ``Account`` is always null); on POST also ``ID`` and
# ``EditSequence`` (``IGNORED_ON_CREATE``).
COMPUTED_HEADER = ("SubTotal", "SalesTaxAmount", "SalesTaxPercentage", "Amount", "TotalAmountInHomeCurrency",
                   "IsFullyInvoiced", "LinkedTransactions", "CreatedDate", "LastModifiedDate", "DeletedDate")
COMPUTED_LINE = ("Invoiced", "Account")
IGNORED_ON_CREATE = ("ID", "EditSequence")

# --- Fields beyond Autofy's template (read-only extras QuickBooks has) -------------------------------
#
# ``EditSequence`` (header), ``SalesTaxPercentage`` (header: the tax item's rate) and ``Invoiced`` (each
# line and sub-line: the quantity invoiced so far).
EXTRA_HEADER_FIELDS = ("EditSequence", "SalesTaxPercentage")
EXTRA_LINE_FIELDS = ("Invoiced",)

# --- [4] ExternalGUID -----------------------------------------------------------------------------------
# Not in the template: refused like any unknown field.

# --- [5] Paging and the modified-time filters ----------------------------------------------------------
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500  # a larger pageSize is refused (400, 4000)
# ``modTimeStart``/``modTimeEnd`` are both inclusive, on ``LastModifiedDate`` (on ``DeletedDate`` with
# ``isDeleted=true``). A value without an offset is the agent PC's local time (as QuickBooks reads it); a
# date alone is the start (``modTimeStart``) or the end (``modTimeEnd``) of that local day.
MOD_TIME_BOUNDS_INCLUSIVE = True
PC_TIME_ZONE = "America/Chicago"  # the company file's PC; QuickBooks' times are its local times
# Where the seed's anchor is "today" (``seed_sandbox`` runs with the sandbox's TIME_ZONE). The anchor day
# begins there hours before it does on the PC: nothing seeded happens after that moment, so demo data
# seeded just after midnight in Oslo holds no times still to come on the PC's evening before.
ANCHOR_TIME_ZONE = "Europe/Oslo"
# Sales orders are listed in the order they were created, lists by ``FullName``. With ``Id`` the other
# filters are ignored (as QuickBooks does); an ``Id`` that does not exist gets a ``Contents`` item of its
# own with error 1507 and ``Object`` null. ``number`` is exact and case-sensitive; no match is an empty list.
# The names of the parameters are case-sensitive.

# --- Deleted orders ------------------------------------------------------------------------------------
# ``isDeleted=true`` lists the orders deleted in QuickBooks in the last 90 days (QuickBooks' own limit),
# with what QuickBooks keeps of them: ``ID``, ``Number``, ``CreatedDate`` and ``DeletedDate`` (the other
# fields null). Paging applies as to any list. A deleted order is not found by ID (1507).
DELETED_RETENTION_DAYS = 90
DELETED_FIELDS = ("ID", "Number", "CreatedDate", "DeletedDate")

# --- Dates ---------------------------------------------------------------------------------------------
# ``Date``, ``DueDate`` and ``DateShipped`` are calendar dates in QuickBooks; they are written as
# midnight UTC of that date ("2026-11-16T00:00:00Z", the template's form) and read as the date part of
# what is sent (a date or a date-time). The other times are UTC with a "Z", to the second.

# --- [6] Object names and their parameters -------------------------------------------------------------
#
# Names are matched without regard to case ("salesorder" is SalesOrder). ``Item`` lists every kind of
# item (``Type``: Inventory, InventoryAssembly, NonInventory, Service, OtherCharge, Discount, Subtotal,
# Group, SalesTax, SalesTaxGroup); ``ItemSalesTax`` only the sales tax items and groups (same IDs).
SALES_ORDER = "SalesOrder"
LIST_OBJECTS = ("Customer", "Item", "ItemSalesTax", "SalesTaxCode", "Terms", "SalesRep", "Class",
                "ShippingMethod", "Template", "CustomerMessage", "Currency", "InventorySite")
# The reference lists are read-only here (POST/PATCH answer 405, 4000). They accept ``Id`` (repeatable),
# ``name`` (the ``FullName``, exact, case ignored), ``isActive`` (true/false; left out: both), ``page``,
# ``pageSize``, ``modTimeStart`` and ``modTimeEnd``. No object has DELETE (405).

# --- [7] The agent: offline, busy, one request at a time -----------------------------------------------
#
# One request at a time per endpoint (QuickBooks'), across every process of the sandbox; others wait in
# a queue of ``queue_limit`` (default 10). A request that finds the queue full answers 503 with 1900 and
# ``Retry-After``; one that waited ``queue_wait_seconds`` (default 90, Conductor's time-out) answers 503
# with 1600. A request waiting in the queue is carried out even if its client stopped waiting.
DEFAULT_QUEUE_LIMIT = 10
DEFAULT_QUEUE_WAIT_SECONDS = 90
BUSY_RETRY_AFTER = 5
# "Agent offline" (the PC or the agent is off) answers at once, without queueing: HTTP 503 with 1302
# ("unable to retrieve token from agent") by default; the knobs choose 1600-1602 instead, or HTTP 200
# carrying the error.
DEFAULT_OFFLINE_CODE = 1302
DEFAULT_OFFLINE_STATUS = 503

# --- [8] The rate limit --------------------------------------------------------------------------------
#
# 100 requests a minute per endpoint in a fixed window that starts with the window's first request.
# Every request with a valid key for its endpoint counts (whatever its answer), except one refused for the
# limit. Every such answer has ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
# (whole seconds until the window ends); over the limit the answer is HTTP 429 with ``Retry-After`` equal
# to ``RateLimit-Reset`` and error 4000 in the envelope. Answers refused for the key (1400-1403) and
# injected faults carry no rate headers.
DEFAULT_RATE_LIMIT = 100
RATE_WINDOW_SECONDS = 60

# --- QuickBooks' errors and what triggers them in the sandbox ------------------------------------------
STRING_TOO_LONG = 3070  # a value longer (or with more digits) than its field allows (§2.7)
NOT_FOUND = 3120  # PATCH of an ID (or a line ID) that does not exist
INVALID_REFERENCE = 3140  # a reference to a record that does not exist, is inactive or of another kind
IN_USE = 3170  # PATCH of an order someone has open in QuickBooks (seeded ones, or the control API's)
CLOSED_PERIOD = 3171  # a Date on or before the company's closing date (add, or modify either date)
SAVE_ERROR = 3180  # over the customer's credit limit; deleting an invoiced line; other refused saves
STALE_EDIT = 3200  # PATCH with an EditSequence that is not the current one
FEATURE_OFF = 3250  # FromInventorySiteLocation: bin locations are not turned on in the company file

# The credit limit: a customer's (or job's) open balance plus the order's total in home currency may not
# exceed its ``CreditLimit`` (customers without one have no limit). A PATCH that does not raise the total
# is always allowed.

# --- Amounts (QuickBooks' rules, AUTOFY.md §0.8 and §2.6, and the gaps in them) -------------------------
#
# Rounding is half-up: amounts to 2 decimals, rates computed from an amount to 5.
# A line with ``Rate`` and no ``Quantity`` and no ``Amount`` is worth its rate (quantity left empty).
# A ``RatePercent`` line is that percentage of the line above it (for a Subtotal line, of the subtotal).
# Discount lines are negative: their ``Rate``/``RatePercent`` are given as positive figures. A discount line
# cannot have a ``Quantity`` (3180). ``Rate`` and ``RatePercent`` together are refused (3180).
# A Subtotal line adds up the lines above it since the previous Subtotal; it is not counted in ``SubTotal``.
# A group line is the sum of its sub-lines; sent without ``SubLines`` it is filled with the group's items
# (each item's quantity times the group's ``Quantity``, default 1) at their prices.
# A line's ``SalesTaxCode`` defaults to the item's, or to the customer's when the customer's is not taxable.
# ``SalesTaxAmount`` is the sum of the taxable lines (sub-lines for groups) times the order's sales tax
# item's rate. ``Amount`` = ``SubTotal`` + ``SalesTaxAmount``; ``TotalAmountInHomeCurrency`` = ``Amount`` ×
# ``ExchangeRate``.
AMOUNT_DECIMALS = 2
RATE_DECIMALS = 5
AMOUNT_INTEGER_DIGITS = 13
RATE_INTEGER_DIGITS = 10
CENT = Decimal("0.01")
RATE_STEP = Decimal("0.00001")

# --- IsManuallyClosed (seed 002's rules) ---------------------------------------------------------------
#
# Sent on the header: every line takes that value. Left off the header: lines take their own, and then the
# header is true when every line is closed (manually, or fully invoiced) and at least one manually; false
# otherwise. A fully invoiced line cannot be reopened: ``false`` leaves it closed.

# --- Other defaults ------------------------------------------------------------------------------------
# A POST without ``Number`` leaves it empty (QuickBooks does not number it). ``Date`` defaults to the PC's
# today; ``DueDate`` to the date plus the terms' days; ``Terms``, ``SalesRep``, ``ItemSalesTax``,
# ``Currency``, the addresses and ``Template`` (the company's default sales order template) to the
# customer's. The order's currency is the customer's; another one is refused (3180). ``ExchangeRate``
# defaults to the currency's rate (always 1 for the home currency).
