"""Sending a new order to the ERP so that it is never lost and never created twice.

In 24SevenOffice a new order with lines is several calls that can fail half-way: ``POST /salesorders``,
one ``POST /salesorders/{id}/lines`` per line, then a ``PATCH`` that sets the target status. So:

1. ``submission_start`` saves the whole form (who, when, the payload) and the planned steps with the
   exact body each will send, in one transaction, **before** any upstream call. The builder form's
   one-time token is unique: the same form sent twice (double click, double submit, back and submit
   again) returns the same ``Submission``.
2. ``submission_run`` performs the unfinished steps in order and stops at the first failure, with a
   plain-words message and, for an ERP rejection, the errors mapped onto the builder's fields
   (``FormErrors``). Running again continues from the first unfinished step.
3. ``submission_revise`` takes the corrected form after a failure: steps already done stay done, the
   rest is planned again (header corrections travel with the final ``PATCH``).

Which status the order is created with: ``Draft`` whenever it has lines, then the target status is
set by the final ``PATCH`` after the last line (a confirmed or invoiced order should not change under
the ERP's feet, ``Invoice`` needs lines, and the ERP checks the sales type's project/department rule
when the status is set). An order without lines is created with its target status directly, so a
rejection (for example ``NoLines`` for ``Invoice``) arrives before anything exists in the ERP.

Never twice. Before each write a step is marked ``unknown`` (write-ahead), so even a crash mid-call
leaves a trace. A write whose answer is lost (time-out after sending, dropped connection, 5xx: the
client's ``UpstreamUnavailable.outcome_unknown``, or a success answer that cannot be read) stays
``unknown``, and the next run checks the ERP before sending it again:

* create the order: every order this dashboard creates ends its ``internalMemo`` with a marker,
  ``[sa:<the submission's public id as 32 hex digits>]`` on its own line. Reconciling lists the
  customer's orders of that date created since the submission (with an hour's margin for clock skew)
  and looks for the marker. ``internalMemo`` was chosen because it is stored as sent, returned by
  both the order and the order list, never printed on the invoice, and belongs to the company
  rather than to the customer (``referenceNumber`` is the customer's PO number; ``memo`` is printed).
  Trade-offs: the marker takes 38 of the memo's 300 characters (the builder allows
  ``tso_payloads.USER_INTERNAL_MEMO_MAX_LENGTH``); staff see it in the ERP; someone who deletes it in
  the ERP between the lost answer and the retry defeats the check (then a second order can be
  created). "Duplicate" strips it from the copied memo.
* add line *n*: re-read the order's lines; the lines not confirmed by earlier steps are the
  candidates. None: send it. Exactly one, with this line's content: it was added. Anything else
  (someone edited the order in the ERP meanwhile): stop and ask a person.
* set the status: re-read the order; already at the target status (from another status): done. A
  ``PATCH`` is idempotent, so otherwise it is sent again.

When the ERP cannot settle the question (two marked orders, unexpected lines, the order deleted), the
submission becomes ``needs_attention`` and nothing more is sent. An admin then puts the ERP right and
either has it checked again (``submission_run(..., attended=True)``: the step in doubt is reconciled
once more), or closes it with a note of what they did by hand (``submission_close``).

One runner at a time: ``submission_run`` claims the submission in a short transaction on its row
(``select_for_update``; SQLite's immediate transactions serialise the same way) by moving it to
``in_progress``, then makes the calls outside any transaction. A second run finds it ``in_progress``
and leaves it alone. Progress after every step renews the claim; a claim older than ``RUN_LEASE``
(a crashed worker) may be taken over, and its ``unknown`` step is reconciled as above.

Field-name contract with the builder
------------------------------------
``draft_to_data``/``draft_from_data`` convert between an ``OrderDraft`` and the builder's data (the
JSON a submission stores and the form is filled from); ``FormErrors`` uses the same names.

Order fields: ``customer_id``, ``customer_name``, ``customer_organization_number``,
``customer_invoice_emails`` (a list of addresses), ``customer_gln``, ``customer_street``,
``customer_postal_code``, ``customer_postal_area``, ``customer_city``, ``customer_country_subdivision``,
``customer_country_code``, ``delivery_same_as_customer`` (bool), ``delivery_customer_id``,
``delivery_name``, ``delivery_street``, ``delivery_postal_code``, ``delivery_postal_area``,
``delivery_city``, ``delivery_country_subdivision``, ``delivery_country_code``, ``date``,
``delivery_date`` (ISO dates), ``status``, ``currency_code``, ``currency_rate`` (decimal string),
``sales_type_id``, ``our_reference_id``, ``your_reference``, ``reference_number``,
``payment_terms_type`` ("" for none), ``payment_terms_value`` (days, or an ISO date for ``FixedDate``),
``distribution_method``, ``memo``, ``internal_memo``.
Dimension rows (list ``dimensions``): ``dimension_type``, ``dimension_value``, ``dimension_name``.
Line rows (list ``lines``): ``type``, ``product_id``, ``product_number``, ``description``,
``quantity``, ``price``, ``discount_rate``, ``tax_id`` (plus ``tax_number``, ``tax_rate`` for the
totals); amounts are decimal strings.

``FormErrors``: ``fields`` (order field name → messages), ``lines`` (line index → line field name →
messages), ``dimension_rows`` (row index → ``dimension_type``/``dimension_value`` → messages),
``sections`` (``customer``, ``lines``, ``dimensions``, ``general`` → messages, for what belongs to a
part of the form rather than one field), and the ERP's ``tracking_id``/``trace_id``. Indexes count
from 0, as in the ERP's paths; messages count rows from 1, as people do.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.domain import (
    LINE_TYPES,
    NEW_ORDER_STATUSES,
    STATUS_LABELS,
    CustomerSnapshot,
    DeliveryCustomer,
    Dimension,
    LineDraft,
    OrderDraft,
    PaymentTerms,
)
from orders.models import Submission, SubmissionAttempt, SubmissionStep
from orders.upstream import get_client, tso_json, tso_payloads
from orders.upstream.connection import Response
from orders.upstream.errors import (
    UpstreamBusinessError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.upstream.tso import TwentyFourSevenClient

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind

# A claim on a running submission lapses after this long without progress (a crashed worker).
RUN_LEASE = dt.timedelta(minutes=2)
# Reconciling a lost "create order" looks this far before the submission for the ERP's createdAt.
CLOCK_MARGIN = dt.timedelta(hours=1)
# At most this many pages of the customer's orders are searched for the marker.
RECONCILE_PAGES = 20


# What the order header's properties are called on the builder, for messages.
HEADER_LABELS = {
    "deliveryDate": "delivery date",
    "deliveryCustomer": "delivery address",
    "salesType": "sales type",
    "ourReference": "our reference",
    "paymentMethod": "payment method",
    "invoice": "payment terms or distribution method",
    "currency": "currency",
    "accrual": "accrual",
}


class SubmissionConflict(Exception):
    """The submission cannot do what was asked in its current state; ``str()`` says why."""


# --- the builder's data ---------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    ("id", "customer_id"),
    ("name", "customer_name"),
    ("organization_number", "customer_organization_number"),
    ("invoice_email_addresses", "customer_invoice_emails"),
    ("gln", "customer_gln"),
    ("street", "customer_street"),
    ("postal_code", "customer_postal_code"),
    ("postal_area", "customer_postal_area"),
    ("city", "customer_city"),
    ("country_subdivision", "customer_country_subdivision"),
    ("country_code", "customer_country_code"),
)
DELIVERY_FIELDS = (
    ("id", "delivery_customer_id"),
    ("name", "delivery_name"),
    ("street", "delivery_street"),
    ("postal_code", "delivery_postal_code"),
    ("postal_area", "delivery_postal_area"),
    ("city", "delivery_city"),
    ("country_subdivision", "delivery_country_subdivision"),
    ("country_code", "delivery_country_code"),
)
LINE_DECIMALS = ("quantity", "price", "discount_rate", "tax_rate")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return int(value)


def _decimal(value: Any, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number.") from exc


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if value else None


def draft_to_data(draft: OrderDraft) -> dict[str, Any]:
    """The draft as the builder's data (JSON values, the field names of the contract above)."""
    customer = draft.customer
    delivery = draft.delivery_customer
    terms = draft.payment_terms
    data: dict[str, Any] = {}
    for attribute, name in CUSTOMER_FIELDS:
        value = getattr(customer, attribute)
        data[name] = list(value) if isinstance(value, tuple) else value
    data["delivery_same_as_customer"] = delivery is None
    for attribute, name in DELIVERY_FIELDS:
        data[name] = getattr(delivery, attribute) if delivery else (None if attribute == "id" else "")
    data.update(
        date=draft.date.isoformat(),
        delivery_date=draft.delivery_date.isoformat() if draft.delivery_date else None,
        status=draft.status,
        currency_code=draft.currency_code,
        currency_rate=str(draft.currency_rate),
        sales_type_id=draft.sales_type_id,
        our_reference_id=draft.our_reference_id,
        your_reference=draft.your_reference,
        reference_number=draft.reference_number,
        payment_terms_type=terms.type if terms else "",
        payment_terms_value=(
            "" if terms is None else terms.value.isoformat() if isinstance(terms.value, dt.date) else str(terms.value)
        ),
        distribution_method=draft.distribution_method,
        memo=draft.memo,
        internal_memo=draft.internal_memo,
        dimensions=[
            {"dimension_type": d.dimension_type, "dimension_value": d.value, "dimension_name": d.name}
            for d in draft.dimensions
        ],
        lines=[
            {
                "type": line.type,
                "product_id": line.product_id,
                "product_number": line.product_number,
                "description": line.description,
                "quantity": str(line.quantity),
                "price": str(line.price),
                "discount_rate": str(line.discount_rate),
                "tax_id": line.tax_id,
                "tax_number": line.tax_number,
                "tax_rate": str(line.tax_rate),
            }
            for line in draft.lines
        ],
    )
    return data


def draft_from_data(data: Mapping[str, Any]) -> OrderDraft:
    """An ``OrderDraft`` from the builder's data (``draft_to_data``'s shape; numbers may be strings).

    Raises ``ValueError`` for data that is not a valid draft: the builder validates first.
    """
    customer = CustomerSnapshot(**{
        attribute: (
            _int(data.get(name)) if attribute == "id"
            else tuple(_text(e) for e in data.get(name) or () if _text(e)) if attribute == "invoice_email_addresses"
            else _text(data.get(name))
        )
        for attribute, name in CUSTOMER_FIELDS
    })
    delivery = None
    if not data.get("delivery_same_as_customer", True):
        delivery = DeliveryCustomer(**{
            attribute: _int(data.get(name)) if attribute == "id" else _text(data.get(name))
            for attribute, name in DELIVERY_FIELDS
        })
    terms = None
    terms_type = _text(data.get("payment_terms_type"))
    if terms_type:
        raw = data.get("payment_terms_value")
        terms = PaymentTerms(type=terms_type, value=_date(raw) if terms_type == "FixedDate" else _int(raw))
    day = _date(data.get("date"))
    if day is None:
        raise ValueError("An order needs a date.")
    status = _text(data.get("status")) or "Draft"
    if status not in NEW_ORDER_STATUSES:
        raise ValueError(f"A new order cannot have the status {status!r}.")
    line_types = {_text(row.get("type")) or "product" for row in data.get("lines") or ()}
    if not line_types <= set(LINE_TYPES):
        raise ValueError(f"Unknown line type in {sorted(line_types)}.")
    return OrderDraft(
        customer=customer,
        date=day,
        status=status,
        delivery_customer=delivery,
        delivery_date=_date(data.get("delivery_date")),
        currency_code=_text(data.get("currency_code")) or "NOK",
        currency_rate=_decimal(data.get("currency_rate"), Decimal(1)),
        sales_type_id=_int(data.get("sales_type_id")),
        our_reference_id=_int(data.get("our_reference_id")),
        your_reference=_text(data.get("your_reference")),
        reference_number=_text(data.get("reference_number")),
        payment_terms=terms,
        distribution_method=_text(data.get("distribution_method")),
        memo=_text(data.get("memo")),
        internal_memo=_text(data.get("internal_memo")),
        dimensions=tuple(
            Dimension(dimension_type=int(row["dimension_type"]), value=_text(row.get("dimension_value")),
                      name=_text(row.get("dimension_name")))
            for row in data.get("dimensions") or ()
        ),
        lines=tuple(
            LineDraft(
                type=_text(row.get("type")) or "product",
                product_id=_int(row.get("product_id")),
                product_number=_text(row.get("product_number")),
                description=_text(row.get("description")),
                quantity=_decimal(row.get("quantity"), Decimal(0)),
                price=_decimal(row.get("price"), Decimal(0)),
                discount_rate=_decimal(row.get("discount_rate"), Decimal(0)),
                tax_id=_int(row.get("tax_id")),
                tax_number=_int(row.get("tax_number")),
                tax_rate=_decimal(row.get("tax_rate"), Decimal(0)),
            )
            for row in data.get("lines") or ()
        ),
    )


def submission_draft(*, submission: Submission) -> OrderDraft:
    """The draft a submission sends (as last revised)."""
    return draft_from_data(submission.payload)


# --- planning ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlannedStep:
    kind: str
    request: dict[str, Any]
    line_index: int | None = None


def creation_status(draft: OrderDraft) -> str:
    """The status to create the order with: ``Draft`` when lines follow, else the target itself."""
    return "Draft" if draft.lines else draft.status


def plan(draft: OrderDraft, *, tag: str) -> list[PlannedStep]:
    """Every step that sends ``draft``, with the body each will send, in order."""
    created_as = creation_status(draft)
    steps = [PlannedStep(Kind.CREATE_ORDER, tso_payloads.order_body(draft, status=created_as, tag=tag))]
    steps += [
        PlannedStep(Kind.ADD_LINE, tso_payloads.line_body(line), line_index=index)
        for index, line in enumerate(draft.lines)
    ]
    if draft.status != created_as:
        steps.append(PlannedStep(Kind.SET_STATUS, tso_payloads.status_body(draft.status)))
    return steps


def _save_plan(submission: Submission, steps: list[PlannedStep], *, first_position: int = 0) -> None:
    SubmissionStep.objects.bulk_create(
        SubmissionStep(submission=submission, position=first_position + offset, kind=step.kind,
                       line_index=step.line_index, request=step.request)
        for offset, step in enumerate(steps)
    )


# --- start, revise ------------------------------------------------------------------------------------

def submission_token() -> str:
    """A fresh one-time token for a builder form."""
    return secrets.token_urlsafe(32)


def submission_start(*, user, token: str, draft: OrderDraft, source_order_id: int | None = None) -> Submission:
    """Save a new order with its planned steps, before anything is sent; idempotent per ``token``.

    The same token again returns the submission it created (nothing new is saved or planned), also
    when two requests race: the token is unique in the database and the loser of the race reads the
    winner's row. A token belongs to the user who first sent it (``PermissionDenied`` otherwise);
    it comes from ``submission_token()`` (the builder checks a posted one is at most 64 characters).
    ``source_order_id`` is the order a "Duplicate" started from.
    """
    existing = Submission.objects.filter(token=token).first()
    if existing is None:
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    created_by=user, token=token, payload=draft_to_data(draft), target_status=draft.status,
                    source_order_id=source_order_id,
                )
                _save_plan(submission, plan(draft, tag=tso_payloads.marker(submission.public_id)))
                return submission
        except IntegrityError:
            existing = Submission.objects.get(token=token)
    if existing.created_by_id != user.pk:
        raise PermissionDenied("This form belongs to another user.")
    return existing


def submission_revise(*, submission: Submission, draft: OrderDraft) -> Submission:
    """Replace a failed submission's draft with the user's corrections, keeping what is done.

    Steps that succeeded, or whose outcome is unknown, stay as they are; the rest are planned again
    from ``draft``. Once the order exists in the ERP, header corrections are sent with the final
    ``PATCH``; lines already there cannot be changed from here. Raises ``SubmissionConflict`` when
    the submission is not ``failed`` or the corrections would change what the ERP already has.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state != State.FAILED:
            raise SubmissionConflict(
                f"This order is {locked.get_state_display().lower()}: it can only be corrected after a failure."
            )
        steps = list(locked.steps.order_by("position"))
        kept = [step for step in steps if step.state in (StepState.SUCCEEDED, StepState.UNKNOWN)]
        new = plan(draft, tag=tso_payloads.marker(locked.public_id))
        if kept:
            new = _replan_after(kept, new, draft, order_id=locked.upstream_order_id)
        locked.steps.exclude(pk__in=[step.pk for step in kept]).delete()
        _save_plan(locked, new, first_position=len(kept))
        locked.payload = draft_to_data(draft)
        locked.target_status = draft.status
        locked.state = State.PENDING
        _clear_error(locked)
        locked.save()
    return locked


def _replan_after(kept: list[SubmissionStep], new: list[PlannedStep], draft: OrderDraft,
                  *, order_id: int | None) -> list[PlannedStep]:
    """The steps still to do once ``kept`` (a prefix of the plan: the order and its first lines) are
    done or in doubt: the remaining lines, then a ``PATCH`` with the status and header corrections."""
    where = f"order #{order_id}" if order_id else "order"
    sent_order = kept[0].request
    kept_lines = kept[1:]
    new_lines = [step for step in new if step.kind == Kind.ADD_LINE]
    if len(new_lines) < len(kept_lines):
        raise SubmissionConflict(
            f"The ERP {where} already has {len(kept_lines)} line(s) from this form; remove lines in the ERP."
        )
    for step, wanted in zip(kept_lines, new_lines):
        if step.request != wanted.request:
            raise SubmissionConflict(
                f"Line {step.line_index + 1} is already in the ERP {where} and cannot be changed from here. "
                "Change it in the ERP, or put it back as it was."
            )
    wanted_header = tso_payloads.order_body(draft, status=sent_order["status"], tag=_tag_of(sent_order))
    try:
        changes = tso_payloads.header_changes(sent_order, wanted_header)
    except ValueError as exc:
        label = HEADER_LABELS.get(str(exc), str(exc))
        raise SubmissionConflict(
            f"The ERP {where} already has a {label} that cannot be removed from here; change it in the ERP."
        ) from exc
    remaining = new_lines[len(kept_lines):]
    if changes or draft.status != sent_order["status"]:
        remaining.append(PlannedStep(Kind.SET_STATUS, tso_payloads.status_body(draft.status, changes)))
    return remaining


CLOSE_NOTE_MAX_LENGTH = 1000


def close_note_problem(note: str) -> str:
    """What is wrong with a closing note ("" when nothing)."""
    if not note.strip():
        return "Say what was done in the ERP, so the next person knows."
    if len(note.strip()) > CLOSE_NOTE_MAX_LENGTH:
        return f"Keep it to {CLOSE_NOTE_MAX_LENGTH:,} characters (it has {len(note.strip()):,}).".replace(",", " ")
    return ""


def submission_close(*, submission: Submission, user, note: str) -> Submission:
    """Close a submission that failed or needs attention: an admin settled it by hand in the ERP
    (``note`` says what they did). Nothing more is ever sent for it. Raises ``SubmissionConflict``
    in any other state (one that is sending, done, or already closed)."""
    problem = close_note_problem(note)
    if problem:
        raise SubmissionConflict(problem)
    note = note.strip()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state not in (State.FAILED, State.NEEDS_ATTENTION):
            raise SubmissionConflict(
                f"This order is {locked.get_state_display().lower()}: only one that failed or needs attention "
                "can be closed."
            )
        locked.state = State.CLOSED
        locked.closed_by = user
        locked.closed_at = timezone.now()
        locked.close_note = note
        locked.save()
    return locked


def _tag_of(order_body: dict[str, Any]) -> str:
    return tso_payloads.marker_in(order_body.get("internalMemo")) or ""


# --- running --------------------------------------------------------------------------------------------

def submission_run(*, submission: Submission, attended: bool = False) -> Submission:
    """Send the submission's unfinished steps, in order; returns it updated.

    Does nothing when another run holds it, when it succeeded or was closed, or when it needs
    attention, unless ``attended`` (an admin put the ERP right and asks for another check). Stops at the
    first failure with ``state`` ``failed`` (or ``needs_attention``), ``last_error`` in plain words and
    ``form_errors`` for an ERP rejection. A step is sent again only when it definitely failed (the
    ERP refused it or never got it) or the ERP shows it did not apply it (see the module docstring).
    """
    claimed = _claim(submission, attended=attended)
    if claimed is None:
        submission.refresh_from_db()
        return submission
    try:
        _run_steps(claimed, get_client())
    finally:
        if claimed.state == State.IN_PROGRESS:  # an unexpected error escaped: leave it retryable
            claimed.state = State.FAILED
            claimed.last_error = "Sending stopped unexpectedly. Nothing was lost: press Try again."
            claimed.save()
    return claimed


def _claim(submission: Submission, *, attended: bool = False) -> Submission | None:
    runnable = (State.PENDING, State.FAILED, State.NEEDS_ATTENTION) if attended else (State.PENDING, State.FAILED)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        stale = locked.state == State.IN_PROGRESS and locked.updated_at < timezone.now() - RUN_LEASE
        if locked.state not in runnable and not stale:
            return None
        locked.state = State.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
    return locked


def _run_steps(submission: Submission, client: TwentyFourSevenClient) -> None:
    for step in submission.steps.exclude(state=StepState.SUCCEEDED).order_by("position"):
        if not _perform(submission, step, client):
            return
    submission.state = State.SUCCEEDED
    _clear_error(submission)
    submission.save()


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What re-reading the ERP said about a step whose outcome was unknown."""

    outcome: str  # "applied" | "absent" | "unclear"
    data: Any = None  # the record that shows it was applied
    note: str = ""


def _perform(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> bool:
    """Do one step; True when it is done and the run may go on."""
    if step.state == StepState.UNKNOWN:
        try:
            found = _reconcile(submission, step, client)
        except UpstreamError as error:
            _stop(submission, step, error, _unchecked_message(submission, step, error))
            return False
        if found.outcome == "applied" and not _record_success(submission, step, found.data):
            found = Reconciled("unclear", note="The ERP shows the record without an id. Nothing more was sent; "
                                               "check the order in the ERP.")
        step.note = found.note
        step.save()
        if found.outcome == "unclear":
            _stop(submission, step, None, found.note, state=State.NEEDS_ATTENTION)
            return False
        if found.outcome == "applied":
            return True

    step.state = StepState.UNKNOWN  # write-ahead: from here on the ERP may have it
    step.attempts += 1
    step.attempted_at = timezone.now()
    step.error = ""
    step.save()
    started = time.perf_counter()
    try:
        response = _send(submission, step, client)
    except UpstreamError as error:
        step.state = StepState.UNKNOWN if outcome_unknown(error) else StepState.FAILED
        step.duration_ms = (time.perf_counter() - started) * 1000
        _record_error(step, error)
        _keep_attempt(step)
        _stop(submission, step, error, failure_message(submission, step, error))
        return False
    step.http_status = response.status
    step.duration_ms = response.elapsed_ms
    step.trace_id = response.trace_id
    step.tracking_id = ""
    step.note = ""
    if not _record_success(submission, step, response.data):
        step.state = StepState.UNKNOWN
        step.error = "The ERP's answer did not say which record it created."
        step.response = response.data
        step.save()
        _keep_attempt(step)
        _stop(submission, step, None, "The ERP answered without the new record's id. Nothing was lost: press "
                                      "Retry; the dashboard checks the ERP first and will not send it twice.")
        return False
    step.save()
    _keep_attempt(step)
    return True


def _keep_attempt(step: SubmissionStep) -> None:
    """Add the step's latest attempt, as its fields now show it, to its history."""
    SubmissionAttempt.objects.create(
        step=step, number=step.attempts, attempted_at=step.attempted_at, outcome=step.state,
        http_status=step.http_status, duration_ms=step.duration_ms, trace_id=step.trace_id,
        tracking_id=step.tracking_id, error=step.error, response=step.response,
    )


def outcome_unknown(error: UpstreamError) -> bool:
    """Whether a failed write may have been applied: its answer was lost (the client's
    ``outcome_unknown``), or the ERP answered success in a form that cannot be read."""
    if not isinstance(error, UpstreamUnavailable):
        return False
    return error.outcome_unknown or (error.status is not None and 200 <= error.status < 300)


def _send(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Response:
    if step.kind == Kind.CREATE_ORDER:
        return client.create_order(step.request)
    if step.kind == Kind.ADD_LINE:
        return client.create_line(submission.upstream_order_id, step.request)
    return client.update_order(submission.upstream_order_id, step.request)


def _record_success(submission: Submission, step: SubmissionStep, data: Any) -> bool:
    """Mark ``step`` done with the ERP's record ``data``; False when the record has no id to go on."""
    record = data if isinstance(data, dict) else {}
    new_id = tso_json.integer(record.get("id"))
    if step.kind != Kind.SET_STATUS and new_id is None:
        return False
    if step.kind == Kind.CREATE_ORDER:
        submission.upstream_order_id = new_id
    elif step.kind == Kind.ADD_LINE:
        step.upstream_line_id = new_id
    step.state = StepState.SUCCEEDED
    step.response = data
    step.error = ""
    submission.save()  # also renews the run's claim
    return True


def _record_error(step: SubmissionStep, error: UpstreamError) -> None:
    step.http_status = error.status
    step.trace_id = error.trace_id
    step.tracking_id = error.tracking_id
    step.error = error.message
    step.response = _error_body(error)
    step.save()


def _error_body(error: UpstreamError) -> Any:
    """The ERP's error body as JSON when it was JSON, else its text (kept for admins)."""
    if not error.body:
        return None
    try:
        return json.loads(error.body)
    except ValueError:
        return error.body


def _stop(submission: Submission, step: SubmissionStep, error: UpstreamError | None, message: str,
          *, state: str = State.FAILED) -> None:
    submission.state = state
    submission.last_error = message
    submission.last_tracking_id = error.tracking_id if error else ""
    submission.last_trace_id = error.trace_id if error else ""
    rejected = error is not None and _is_rejection(error)
    submission.form_errors = form_errors_from(error, line_index=step.line_index).as_json() if rejected else {}
    submission.save()


def _clear_error(submission: Submission) -> None:
    submission.last_error = ""
    submission.last_tracking_id = ""
    submission.last_trace_id = ""
    submission.form_errors = {}


# --- reconciling a step whose outcome is unknown ----------------------------------------------------

def _reconcile(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    try:
        if step.kind == Kind.CREATE_ORDER:
            return _reconcile_order(submission, step, client)
        if step.kind == Kind.ADD_LINE:
            return _reconcile_line(submission, step, client)
        return _reconcile_status(submission, step, client)
    except UpstreamNotFound:
        return Reconciled("unclear", note=(
            f"Order #{submission.upstream_order_id} is no longer in the ERP. Nothing more was sent; "
            "check the ERP before creating the order again."
        ))


def _reconcile_order(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    tag = _tag_of(step.request)
    params = {
        "customerId": step.request["customer"]["id"],
        "date": step.request.get("date"),
        "createdFrom": (submission.created_at - CLOCK_MARGIN).isoformat(),
        "limit": 100,
    }
    response = client.list_orders(params)
    matches: list[dict[str, Any]] = []
    for _ in range(RECONCILE_PAGES):
        if not isinstance(response.data, list):
            raise tso_json.nonsense("an order list")
        matches += [
            order for order in response.data
            if isinstance(order, dict) and tso_payloads.marker_in(order.get("internalMemo")) == tag
        ]
        following = client.cursor_for(response.links.get("next"))
        if not following:
            break
        response = client.list_orders(cursor=following)
    else:
        return Reconciled("unclear", note=(
            "The dashboard could not tell whether the ERP created this order: the customer has too many "
            "orders to check. Nothing more was sent; look for it in the ERP."
        ))
    if not matches:
        return Reconciled("absent")
    if len(matches) == 1:
        return Reconciled("applied", matches[0],
                          "The ERP's answer was lost; the order was found in the ERP by its marker.")
    numbers = ", ".join(f"#{order.get('id')}" for order in matches)
    return Reconciled("unclear", note=(
        f"The ERP has {len(matches)} orders from this form ({numbers}). Nothing more was sent; "
        "delete the extra ones in the ERP."
    ))


def _reconcile_line(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    raw = client.list_lines(submission.upstream_order_id).data
    if not isinstance(raw, list):
        raise tso_json.nonsense("order lines")
    confirmed = set(
        submission.steps.filter(kind=Kind.ADD_LINE, state=StepState.SUCCEEDED)
        .values_list("upstream_line_id", flat=True)
    )
    others = [line for line in raw if tso_json.integer(_dict(line).get("id")) not in confirmed]
    if not others:
        return Reconciled("absent")
    if len(others) == 1 and same_line(others[0], step.request):
        return Reconciled("applied", others[0], "The ERP's answer was lost; the line was found on the order.")
    return Reconciled("unclear", note=(
        f"Order #{submission.upstream_order_id} has lines in the ERP that this form did not add, so the "
        f"dashboard cannot tell whether line {step.line_index + 1} is there. Nothing more was sent; check "
        "the order in the ERP."
    ))


def _reconcile_status(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    order = _dict(client.get_order(submission.upstream_order_id).data)
    created_as = submission.steps.get(kind=Kind.CREATE_ORDER).request.get("status")
    target = step.request["status"]
    if order.get("status") == target and created_as != target:
        return Reconciled("applied", order, "The ERP's answer was lost; the order already had its new status.")
    return Reconciled("absent")  # a PATCH is idempotent: sending it again is safe


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def same_line(raw: Any, body: Mapping[str, Any]) -> bool:
    """True when the ERP's line ``raw`` is what ``body`` (a ``line_body``) asked for."""
    line = tso_json.line(raw)
    product = _dict(body.get("product")).get("id")
    checks = [line.type == body.get("type")]
    if "description" in body:
        checks.append(line.description == body["description"].strip())
    if product is not None:
        checks.append(line.product_id == product)
    for key, attribute in (("quantity", "quantity"), ("price", "price"), ("discountRate", "discount_rate")):
        if key in body:
            checks.append(getattr(line, attribute) == Decimal(str(body[key])))
    return all(checks)


# --- plain words -------------------------------------------------------------------------------------

def _status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _is_rejection(error: UpstreamError) -> bool:
    return isinstance(error, (UpstreamValidationError, UpstreamBusinessError))


def failure_message(submission: Submission, step: SubmissionStep, error: UpstreamError) -> str:
    """What happened, what is safe, and what to do next, for a step that failed with ``error``."""
    reason = _sentence(error.message)
    unknown = outcome_unknown(error)
    rejected = _is_rejection(error)
    if step.kind == Kind.CREATE_ORDER:
        if unknown:
            return (f"The ERP did not confirm that it created the order. {reason} Nothing was lost: press Try again. "
                    "The dashboard checks the ERP first and will not create the order twice.")
        if rejected:
            return (f"The ERP did not accept the order. {reason} Nothing was created in the ERP: correct what "
                    "is marked on the form and send again.")
        return f"The order could not be sent to the ERP. {reason} Nothing was lost: press Try again."
    created = f"The order was created in the ERP (#{submission.upstream_order_id})"
    if step.kind == Kind.ADD_LINE:
        number = step.line_index + 1
        if unknown:
            return (f"{created}, but the ERP did not confirm line {number}. {reason} Nothing was lost: press Try again "
                    f"to continue from line {number}; the dashboard checks the ERP first and will not add it twice.")
        if rejected:
            return (f"{created}, but the ERP did not accept line {number}. {reason} Correct line {number} and send "
                    "again to continue from there.")
        return (f"{created}, but line {number} could not be added. {reason} Nothing was lost: press Try again to "
                f"continue from line {number}.")
    status = _status_label(step.request.get("status", ""))
    if unknown:
        return (f"{created} with all its lines, but the ERP did not confirm the status {status}. {reason} "
                "Nothing was lost: press Try again; the dashboard checks the order's status first.")
    if rejected:
        return (f"{created} with all its lines, but the ERP would not set it to {status}. {reason} Correct the "
                "form and send again.")
    return (f"{created} with all its lines, but its status could not be set to {status}. {reason} Nothing was "
            "lost: press Try again.")


def _sentence(text: str) -> str:
    """The ERP's messages often lack a full stop; ours follow them with another sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _unchecked_message(submission: Submission, step: SubmissionStep, error: UpstreamError) -> str:
    what = {
        Kind.CREATE_ORDER: "whether the order was created",
        Kind.ADD_LINE: f"whether line {(step.line_index or 0) + 1} was added",
        Kind.SET_STATUS: "whether the status was set",
    }[step.kind]
    return (f"The dashboard must check {what} before sending it again, but could not reach the ERP. "
            f"{_sentence(error.message)} Nothing was lost: press Try again.")


# --- ERP rejections onto the builder's fields ---------------------------------------------------------

@dataclass(slots=True)
class FormErrors:
    """An ERP rejection in the builder's terms (field names: the contract in the module docstring)."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    dimension_rows: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)
    tracking_id: str = ""
    trace_id: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines or self.dimension_rows or self.sections)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormErrors:
        """Back from ``as_json`` (JSON turns the integer keys into strings)."""
        return cls(
            fields=dict(data.get("fields") or {}),
            lines={int(k): v for k, v in (data.get("lines") or {}).items()},
            dimension_rows={int(k): v for k, v in (data.get("dimension_rows") or {}).items()},
            sections=dict(data.get("sections") or {}),
            tracking_id=data.get("tracking_id") or "",
            trace_id=data.get("trace_id") or "",
        )

    def _add(self, bucket: dict, key, message: str) -> None:
        messages = bucket.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def add_field(self, name: str, message: str) -> None:
        self._add(self.fields, name, message)

    def add_line(self, index: int, name: str, message: str) -> None:
        self._add(self.lines.setdefault(index, {}), name, message)

    def add_dimension(self, index: int, name: str, message: str) -> None:
        self._add(self.dimension_rows.setdefault(index, {}), name, message)

    def add_section(self, section: str, message: str) -> None:
        self._add(self.sections, section, message)


# ERP order paths (dotted) → builder field; the longest matching prefix of a path wins.
ORDER_PATHS = {
    **{f"customer.{key}": name for key, name in (
        ("id", "customer_id"), ("name", "customer_name"), ("organizationNumber", "customer_organization_number"),
        ("invoiceEmailAddresses", "customer_invoice_emails"), ("gln", "customer_gln"),
        ("street", "customer_street"), ("postalCode", "customer_postal_code"),
        ("postalArea", "customer_postal_area"), ("city", "customer_city"),
        ("countrySubdivision", "customer_country_subdivision"), ("countryCode", "customer_country_code"),
    )},
    **{f"deliveryCustomer.{key}": name for key, name in (
        ("id", "delivery_customer_id"), ("name", "delivery_name"), ("street", "delivery_street"),
        ("postalCode", "delivery_postal_code"), ("postalArea", "delivery_postal_area"),
        ("city", "delivery_city"), ("countrySubdivision", "delivery_country_subdivision"),
        ("countryCode", "delivery_country_code"),
    )},
    "date": "date",
    "deliveryDate": "delivery_date",
    "status": "status",
    "currency": "currency_code",
    "currency.code": "currency_code",
    "currency.rate": "currency_rate",
    "salesType": "sales_type_id",
    "ourReference": "our_reference_id",
    "yourReference": "your_reference",
    "referenceNumber": "reference_number",
    "invoice.paymentTerms": "payment_terms_type",
    "invoice.paymentTerms.value": "payment_terms_value",
    "invoice.distributionMethod": "distribution_method",
    "memo": "memo",
    "internalMemo": "internal_memo",
}
# ERP line paths → builder line field.
LINE_PATHS = {
    "type": "type",
    "product": "product_id",
    "product.number": "product_number",
    "description": "description",
    "quantity": "quantity",
    "price": "price",
    "discountRate": "discount_rate",
    "tax": "tax_id",
}
DIMENSION_PATHS = {"dimensionType": "dimension_type", "value": "dimension_value", "name": "dimension_value"}
# Parts of the order that are not builder fields, by the section that shows their errors.
SECTION_OF = {"customer": "customer", "deliveryCustomer": "customer", "dimensions": "dimensions", "lines": "lines"}

BUSINESS_RULES = {
    "NoLines": ("lines", "The ERP needs at least one line on the order for this status: add a line."),
    "ProjectMissing": ("dimensions", "The ERP needs a project for this order's sales type: add a Project "
                                     "dimension, or choose another sales type."),
    "DepartmentMissing": ("dimensions", "The ERP needs a department for this order's sales type: add a "
                                        "Department dimension, or choose another sales type."),
}


def _parts(path: str) -> list[str]:
    """``customer.name``, ``/customer/name`` and ``lines[2].price`` as ``["customer", "name"]`` …"""
    cleaned = path.replace("/", ".").replace("[", ".").replace("]", "")
    return [part for part in cleaned.split(".") if part]


def _longest(table: Mapping[str, str], parts: list[str]) -> str | None:
    for end in range(len(parts), 0, -1):
        name = table.get(".".join(parts[:end]))
        if name:
            return name
    return None


def _with_ids(message: str, error: UpstreamError) -> str:
    return f"{message} (ERP tracking id {error.tracking_id})" if error.tracking_id else message


def form_errors_from(error: UpstreamError, *, line_index: int | None = None) -> FormErrors:
    """``error`` (from creating the order, or from adding line ``line_index`` when given) in the
    builder's terms: ``ValidationError`` paths onto fields, lines and dimension rows; ``BadRequestError``
    types onto sections; anything else a ``general`` message. Messages carry the ERP's tracking id
    where they stand for the whole rejection."""
    errors = FormErrors(tracking_id=error.tracking_id, trace_id=error.trace_id)
    if isinstance(error, UpstreamValidationError):
        for item in error.field_errors:
            parts = _parts(item.path)
            if line_index is not None:
                _line_error(errors, line_index, parts, item.explanation)
            else:
                _order_error(errors, parts, item.explanation)
        errors.add_section("general", _with_ids(
            "The ERP rejected some of the values; they are marked on the form." if error.field_errors
            else error.message, error,
        ))
    elif isinstance(error, UpstreamBusinessError) and error.errors:
        for rule in error.errors:
            section, message = BUSINESS_RULES.get(rule.type, ("general", rule.message or error.message))
            errors.add_section(section, _with_ids(message, error))
    else:
        errors.add_section("general", _with_ids(error.message, error))
    return errors


def _order_error(errors: FormErrors, parts: list[str], message: str) -> None:
    if parts[:1] == ["lines"] and len(parts) > 1 and parts[1].isdigit():
        _line_error(errors, int(parts[1]), parts[2:], message)
        return
    if parts[:1] == ["dimensions"] and len(parts) > 1 and parts[1].isdigit():
        row = int(parts[1])
        errors.add_dimension(row, DIMENSION_PATHS.get(parts[2] if len(parts) > 2 else "", "dimension_value"),
                             message)
        errors.add_section("dimensions", f"Dimension row {row + 1}: {message}")
        return
    name = _longest(ORDER_PATHS, parts)
    if name:
        errors.add_field(name, message)
        return
    section = SECTION_OF.get(parts[0], "general") if parts else "general"
    where = ".".join(parts)
    errors.add_section(section, f"{message} ({where})" if where else message)


def _line_error(errors: FormErrors, index: int, parts: list[str], message: str) -> None:
    name = _longest(LINE_PATHS, parts)
    if name:
        errors.add_line(index, name, message)
        return
    where = ".".join(parts)
    errors.add_section("lines", f"Line {index + 1}: {message}" + (f" ({where})" if where else ""))


def submission_form_errors(*, submission: Submission) -> FormErrors:
    """The ERP's rejection that stopped the submission, in the builder's terms (empty when none)."""
    return FormErrors.from_json(submission.form_errors or {})


# --- "Duplicate" ---------------------------------------------------------------------------------------

def draft_from_order(*, order_id: int) -> OrderDraft:
    """A new draft filled from an existing order, for the detail page's "Duplicate" button: today's
    date, status Draft, the same customer copy, delivery customer, references, terms, memos,
    dimensions and lines (without their ids). The delivery date is left for the user to set; a
    submission marker in the internal memo is not copied."""
    client = get_client()
    order = tso_json.order(client.get_order(order_id).data)
    lines = order.embedded_lines
    if lines is None:
        lines = tso_json.lines(client.list_lines(order_id).data)
    return OrderDraft(
        customer=order.customer,
        date=timezone.localdate(),
        status="Draft",
        delivery_customer=order.delivery_customer,
        currency_code=order.currency_code,
        currency_rate=order.currency_rate,
        sales_type_id=order.sales_type_id,
        our_reference_id=order.our_reference_id,
        your_reference=order.your_reference,
        reference_number=order.reference_number,
        payment_terms=order.invoice.payment_terms,
        distribution_method=order.invoice.distribution_method or "",
        memo=order.memo,
        internal_memo=tso_payloads.without_marker(order.internal_memo),
        dimensions=order.dimensions,
        lines=tuple(
            LineDraft(
                type=line.type,
                product_id=line.product_id,
                product_number=line.product_number,
                description=line.description,
                quantity=line.quantity,
                price=line.price,
                discount_rate=line.discount_rate,
                tax_id=line.tax_id,
                tax_number=line.tax_number,
                tax_rate=line.tax_rate,
            )
            for line in lines
        ),
    )
