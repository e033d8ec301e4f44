"""The submission engine of the order builder: request bodies, the builder's data, the mapping of ERP
rejections onto the form, and the multi-step submission against the sandbox (failures injected at
every step, then a retry that must finish without a duplicate order or line)."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from orders.domain import (
    CustomerSnapshot,
    DeliveryCustomer,
    Dimension,
    LineDraft,
    OrderDraft,
    PaymentTerms,
)
from orders.erp.errors import (
    BusinessRuleError,
    FieldError,
    UpstreamBusinessError,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.erp.tso import get_client
from orders.erp.tso import payloads as tso_payloads
from orders.erp.tso import reading as tso_reading
from orders.models import Submission, SubmissionStep
from orders.submissions import (
    RUN_LEASE,
    FormErrors,
    SubmissionConflict,
    draft_from_data,
    draft_from_order,
    draft_to_data,
    form_errors_from,
    plan,
    progress,
    same_line,
    step_in_doubt,
    submission_close,
    submission_draft,
    submission_form_errors,
    submission_revise,
    submission_run,
    submission_start,
    submission_token,
)

TAG = tso_payloads.marker(uuid.UUID("12345678123456781234567812345678"))
# ``LineWithoutId``'s properties: the ERP rejects anything else on a line.
LINE_PROPERTIES = {"type", "product", "description", "quantity", "price", "costPrice", "discountRate", "tax",
                   "account", "isHidden", "dimensions", "accrual"}
ORDER_PROPERTIES = {"customer", "status", "date", "deliveryDate", "deliveryCustomer", "currency", "salesType",
                    "ourReference", "yourReference", "referenceNumber", "invoice", "memo", "internalMemo",
                    "dimensions", "accrual", "paymentMethod"}


def make_draft(**overrides) -> OrderDraft:
    values = {
        "customer": CustomerSnapshot(id=10001, name="Fjordkraft Handel AS", organization_number="987654321",
                                     invoice_email_addresses=("faktura@fjordkraft.example",),
                                     street="Strandkaien 2", postal_code="5013", postal_area="Bergen",
                                     country_code="NO"),
        "date": dt.date(2026, 3, 2),
        "status": "Draft",
        "lines": (
            LineDraft(type="product", product_id=1, product_number="P-1", description="Office chair",
                      quantity=Decimal("2"), price=Decimal("1499.90"), discount_rate=Decimal("10"),
                      tax_id=1, tax_number=3, tax_rate=Decimal("25")),
            LineDraft(type="text", description="Delivered to the back door"),
            LineDraft(type="product", product_id=2, description="Coffee", quantity=Decimal("3"),
                      price=Decimal("49.99"), tax_id=2, tax_rate=Decimal("15")),
        ),
    }
    values.update(overrides)
    return OrderDraft(**values)


# --- request bodies ---------------------------------------------------------------------------------

def test_order_body_holds_contract_fields_only_and_leaves_empty_parts_out():
    body = tso_payloads.order_body(make_draft(), status="Draft", tag=TAG)

    assert set(body) <= ORDER_PROPERTIES
    assert body["customer"] == {
        "id": 10001, "name": "Fjordkraft Handel AS", "organizationNumber": "987654321",
        "invoiceEmailAddresses": ["faktura@fjordkraft.example"], "street": "Strandkaien 2",
        "postalCode": "5013", "postalArea": "Bergen", "countryCode": "NO",
    }
    assert body["date"] == "2026-03-02"
    assert body["currency"] == {"code": "NOK", "rate": 1}
    # Delivered to the customer's address: the order carries that address.
    assert body["deliveryCustomer"] == {
        "id": 10001, "name": "Fjordkraft Handel AS", "street": "Strandkaien 2", "postalCode": "5013",
        "postalArea": "Bergen", "countryCode": "NO",
    }
    # Nothing the user left empty is sent as an empty value.
    for absent in ("deliveryDate", "salesType", "ourReference", "yourReference",
                   "referenceNumber", "invoice", "memo", "dimensions"):
        assert absent not in body
    assert body["internalMemo"] == TAG


def test_order_body_with_every_part():
    draft = make_draft(
        delivery_customer=DeliveryCustomer(id=None, name="Lager Vest", street="Kaien 1", postal_code="5003",
                                           city="Bergen", country_code="NO"),
        delivery_date=dt.date(2026, 3, 9), currency_code="EUR", currency_rate=Decimal("11.4725"),
        sales_type_id=-100, our_reference_id=7, your_reference="Kari Nordmann", reference_number="PO-77",
        payment_terms=PaymentTerms(type="NumberOfDays", value=14), distribution_method="ehfdistribution",
        memo="Thanks!", internal_memo="Call before delivery",
        dimensions=(Dimension(dimension_type=1, value="13", name="Project 13"),
                    Dimension(dimension_type=2, value="2", name="Sales")),
    )
    body = tso_payloads.order_body(draft, status="Confirmed", tag=TAG)

    assert body["status"] == "Confirmed"
    assert body["deliveryCustomer"] == {"name": "Lager Vest", "street": "Kaien 1", "postalCode": "5003",
                                        "city": "Bergen", "countryCode": "NO"}
    assert body["deliveryDate"] == "2026-03-09"
    assert body["currency"] == {"code": "EUR", "rate": 11.4725}
    assert body["salesType"] == {"id": -100}
    assert body["ourReference"] == {"id": 7}
    assert body["yourReference"] == {"name": "Kari Nordmann"}
    assert body["invoice"] == {"paymentTerms": {"type": "NumberOfDays", "value": 14},
                               "distributionMethod": "ehfdistribution"}
    assert body["dimensions"] == [{"dimensionType": 1, "value": "13", "name": "Project 13"},
                                  {"dimensionType": 2, "value": "2", "name": "Sales"}]
    assert body["internalMemo"] == f"Call before delivery\n{TAG}"
    assert len(body["internalMemo"]) <= tso_payloads.INTERNAL_MEMO_MAX_LENGTH


def test_fixed_date_payment_terms_are_an_iso_date():
    draft = make_draft(payment_terms=PaymentTerms(type="FixedDate", value=dt.date(2026, 4, 1)))
    body = tso_payloads.order_body(draft, status="Draft", tag=TAG)
    assert body["invoice"] == {"paymentTerms": {"type": "FixedDate", "value": "2026-04-01"}}


def test_product_line_body_has_no_unknown_properties_and_exact_numbers():
    body = tso_payloads.line_body(make_draft().lines[0])

    assert set(body) <= LINE_PROPERTIES
    assert body == {"type": "product", "product": {"id": 1}, "description": "Office chair", "quantity": 2,
                    "price": 1499.9, "discountRate": 10, "tax": {"id": 1}}
    # On the wire the numbers are written with exactly the Decimal's digits.
    assert '"price": 1499.9' in json.dumps(body)
    assert json.dumps(tso_payloads.line_body(make_draft().lines[2])).count("49.99") == 1


def test_text_line_body_is_its_type_and_description():
    body = tso_payloads.line_body(LineDraft(type="text", description="Note", quantity=Decimal(5),
                                            price=Decimal(3), tax_id=1, product_id=4))
    assert body == {"type": "text", "description": "Note"}


def test_numbers_that_a_float_cannot_carry_exactly_are_refused():
    assert tso_payloads.number(Decimal("0.1")) == 0.1
    assert tso_payloads.number(Decimal("100.00")) == 100
    with pytest.raises(ValueError):
        tso_payloads.number(Decimal("0.12345678901234567"))


def test_status_body_carries_the_status_and_any_corrections():
    assert tso_payloads.status_body("Invoice") == {"status": "Invoice"}
    assert tso_payloads.status_body("Confirmed", {"memo": ""}) == {"memo": "", "status": "Confirmed"}


def test_header_changes_send_changed_parts_whole_and_clear_removed_ones():
    sent = tso_payloads.order_body(make_draft(memo="Old", reference_number="PO-1"), status="Draft", tag=TAG)
    wanted = tso_payloads.order_body(
        make_draft(reference_number="PO-2", dimensions=(Dimension(1, "13", "Project 13"),)),
        status="Draft", tag=TAG,
    )
    assert tso_payloads.header_changes(sent, wanted) == {
        "referenceNumber": "PO-2", "memo": "", "dimensions": [{"dimensionType": 1, "value": "13", "name": "Project 13"}],
    }
    with_delivery_date = tso_payloads.order_body(
        make_draft(delivery_date=dt.date(2026, 3, 9)), status="Draft", tag=TAG)
    with pytest.raises(ValueError, match="deliveryDate"):
        tso_payloads.header_changes(with_delivery_date, sent)
    # Back to the customer's own address: a change of delivery address, not a removal.
    elsewhere = tso_payloads.order_body(
        make_draft(delivery_customer=DeliveryCustomer(id=None, name="Elsewhere")), status="Draft", tag=TAG)
    assert tso_payloads.header_changes(elsewhere, sent)["deliveryCustomer"]["name"] == "Fjordkraft Handel AS"


def test_marker_round_trip():
    memo = tso_payloads.with_marker("Call first", TAG)
    assert tso_payloads.marker_in(memo) == TAG
    assert tso_payloads.without_marker(memo) == "Call first"
    assert tso_payloads.marker_in("Call first") is None
    assert len(tso_payloads.with_marker("x" * tso_payloads.USER_INTERNAL_MEMO_MAX_LENGTH, TAG)) == 300


# --- the plan ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "lines", "expected"),
    [
        ("Draft", 2, ["create_order:Draft", "add_line", "add_line"]),
        ("Invoice", 2, ["create_order:Draft", "add_line", "add_line", "set_status:Invoice"]),
        ("Confirmed", 1, ["create_order:Draft", "add_line", "set_status:Confirmed"]),
        # Without lines the order is created with its target status: a rejection comes before anything exists.
        ("Confirmed", 0, ["create_order:Confirmed"]),
        ("Invoice", 0, ["create_order:Invoice"]),
    ],
)
def test_plan_creates_as_draft_when_lines_follow(status, lines, expected):
    draft = make_draft(status=status, lines=make_draft().lines[:lines])
    steps = plan(draft, tag=TAG)
    assert [f"{s.kind}:{s.request['status']}" if "status" in s.request and s.kind != "add_line" else s.kind
            for s in steps] == expected
    assert [s.line_index for s in steps if s.kind == "add_line"] == list(range(lines))


# --- the builder's data -------------------------------------------------------------------------------

def test_draft_survives_the_builder_data_round_trip():
    draft = make_draft(
        delivery_customer=DeliveryCustomer(id=5, name="Lager", street="Kaien 1"),
        payment_terms=PaymentTerms(type="FixedDate", value=dt.date(2026, 4, 1)),
        dimensions=(Dimension(1, "13", "Project 13"),), currency_rate=Decimal("11.4725"),
    )
    data = draft_to_data(draft)

    assert json.loads(json.dumps(data)) == data  # storable as JSON
    assert data["customer_name"] == "Fjordkraft Handel AS"
    assert data["delivery_same_as_customer"] is False
    assert data["lines"][0]["price"] == "1499.90"
    assert data["dimensions"] == [{"dimension_type": 1, "dimension_value": "13", "dimension_name": "Project 13"}]
    assert draft_from_data(data) == draft


@pytest.mark.parametrize(("change", "problem"), [
    ({"date": ""}, "needs a date"), ({"status": "Inactive"}, "cannot have the status"),
    ({"lines": [{"type": "discount"}]}, "Unknown line type"), ({"currency_rate": "one"}, "not a number"),
])
def test_builder_data_that_is_not_a_draft_is_refused(change, problem):
    with pytest.raises(ValueError, match=problem):
        draft_from_data({**draft_to_data(make_draft()), **change})


def test_same_as_customer_means_no_delivery_customer():
    data = draft_to_data(make_draft())
    assert data["delivery_same_as_customer"] is True
    data["delivery_name"] = "Ignored"
    assert draft_from_data(data).delivery_customer is None


def test_draft_totals_use_the_detail_pages_arithmetic():
    totals = make_draft().totals()
    # 2 × 1499.90 − 10 % = 2699.82 (tax 674.96); 3 × 49.99 = 149.97 (tax 22.50); the text line counts nothing.
    assert totals.net == Decimal("2849.79")
    assert totals.tax == Decimal("697.46")
    assert totals.gross == Decimal("3547.25")
    assert totals.by_rate == ((Decimal("15"), Decimal("149.97"), Decimal("22.50")),
                              (Decimal("25"), Decimal("2699.82"), Decimal("674.96")))


# --- ERP rejections onto the form -----------------------------------------------------------------------

def validation(*paths: tuple[str, str]) -> UpstreamValidationError:
    return UpstreamValidationError(
        field_errors=tuple(FieldError(path=path, keyword=keyword) for path, keyword in paths),
        status=400, tracking_id="trk-1", trace_id="trace-1",
    )


def test_validation_paths_map_onto_order_fields():
    errors = form_errors_from(validation(
        ("customer.name", "required"), ("deliveryCustomer.street", "maxLength"), ("internalMemo", "maxLength"),
        ("currency.code", "pattern"), ("invoice.paymentTerms.value", "minimum"),
        ("customer.invoiceEmailAddresses.0", "format"), ("salesType.id", "type"),
    ))
    assert errors.fields == {
        "customer_name": ["This field is required by the ERP."],
        "delivery_street": ["Too long for the ERP."],
        "internal_memo": ["Too long for the ERP."],
        "currency_code": ["The ERP does not accept this format."],
        "payment_terms_value": ["Too small for the ERP."],
        "customer_invoice_emails": ["The ERP does not accept this format."],
        "sales_type_id": ["The ERP expects a different kind of value here."],
    }
    assert errors.sections["general"] == [
        "The ERP rejected some of the values; they are marked on the form. (ERP tracking id trk-1)"]
    assert (errors.tracking_id, errors.trace_id) == ("trk-1", "trace-1")


def test_validation_paths_map_onto_dimension_rows_and_lines():
    errors = form_errors_from(validation(("dimensions.1.value", "required"), ("lines.2.price", "type"),
                                         ("/customer", "required"), ("accrual.length", "minimum")))
    assert errors.dimension_rows == {1: {"dimension_value": ["This field is required by the ERP."]}}
    assert errors.sections["dimensions"] == ["Dimension row 2: This field is required by the ERP."]
    assert errors.lines == {2: {"price": ["The ERP expects a different kind of value here."]}}
    assert errors.sections["customer"] == ["This field is required by the ERP. (customer)"]
    assert "Too small for the ERP. (accrual.length)" in errors.sections["general"]


def test_odd_row_numbers_in_the_erps_paths_are_shown_with_the_section_not_a_crash():
    errors = form_errors_from(validation(("lines.².price", "type"), ("dimensions.①.value", "required")))
    assert errors.lines == {} and errors.dimension_rows == {}
    assert "The ERP expects a different kind of value here. (lines.².price)" in errors.sections["lines"]


def test_validation_on_a_line_step_maps_onto_that_line():
    errors = form_errors_from(validation(("description", "minLength"), ("product.id", "type"),
                                         ("discountRate", "maximum"), ("costPrice", "multipleOf")), line_index=2)
    assert errors.lines == {2: {"description": ["Too short for the ERP."],
                                "product_id": ["The ERP expects a different kind of value here."],
                                "discount_rate": ["Too large for the ERP."]}}
    assert errors.sections["lines"] == ["Line 3: Too many decimals for the ERP. (costPrice)"]
    assert not errors.fields


@pytest.mark.parametrize(
    ("rule", "section", "words"),
    [("NoLines", "lines", "at least one line"), ("ProjectMissing", "dimensions", "project"),
     ("DepartmentMissing", "dimensions", "department")],
)
def test_business_rules_map_onto_sections_with_the_tracking_id(rule, section, words):
    error = UpstreamBusinessError(errors=(BusinessRuleError(type=rule, message="x"),), status=400,
                                  tracking_id="trk-9")
    errors = form_errors_from(error)
    assert list(errors.sections) == [section]
    (message,) = errors.sections[section]
    assert words in message and message.endswith("(ERP tracking id trk-9)")


def test_other_failures_are_a_general_message():
    errors = form_errors_from(UpstreamUnavailable("The ERP took too long to answer.", outcome_unknown=True))
    assert errors.sections == {"general": ["The ERP took too long to answer."]}


def test_form_errors_survive_json():
    errors = form_errors_from(validation(("dimensions.0.dimensionType", "enum"), ("lines.1.quantity", "type")))
    stored = json.loads(json.dumps(errors.as_json()))
    assert FormErrors.from_json(stored) == errors


def test_same_line_compares_what_was_asked_for():
    body = tso_payloads.line_body(make_draft().lines[0])
    raw = {"id": 9, "type": "product", "product": {"id": 1, "number": "P-1"}, "description": "Office chair",
           "quantity": 2.0, "price": "1499.90", "discountRate": 10, "tax": {"id": 1, "rate": 25}}
    assert same_line(raw, body)
    assert not same_line({**raw, "quantity": 3}, body)
    assert not same_line({**raw, "description": "Desk"}, body)


# --- starting a submission -------------------------------------------------------------------------------

@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("seller")


@pytest.mark.django_db
def test_start_saves_the_payload_and_the_planned_steps_before_any_call(user):
    draft = make_draft(status="Invoice")
    submission = submission_start(user=user, token="tok-1", draft=draft)

    assert submission.state == Submission.State.PENDING
    assert submission.target_status == "Invoice"
    assert submission_draft(submission=submission) == draft
    steps = list(submission.steps.order_by("position"))
    assert [(s.kind, s.line_index, s.state) for s in steps] == [
        ("create_order", None, "pending"), ("add_line", 0, "pending"), ("add_line", 1, "pending"),
        ("add_line", 2, "pending"), ("set_status", None, "pending"),
    ]
    assert steps[0].request["internalMemo"] == tso_payloads.marker(submission.public_id)
    assert steps[0].request["status"] == "Draft"
    assert steps[4].request == {"status": "Invoice"}


@pytest.mark.django_db
def test_the_same_token_is_the_same_submission(user):
    first = submission_start(user=user, token="tok-1", draft=make_draft())
    again = submission_start(user=user, token="tok-1", draft=make_draft(memo="changed"))

    assert again.pk == first.pk
    assert Submission.objects.count() == 1
    assert SubmissionStep.objects.count() == 4
    assert draft_from_data(again.payload).memo == ""


@pytest.mark.django_db
def test_a_token_belongs_to_its_user(user, django_user_model):
    submission_start(user=user, token="tok-1", draft=make_draft())
    other = django_user_model.objects.create_user("other")
    with pytest.raises(PermissionDenied):
        submission_start(user=other, token="tok-1", draft=make_draft())


# --- against the sandbox ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeded_afterwards(sandbox_server):
    """These tests create orders in the session's sandbox; give the next module its seeded data back."""
    yield
    sandbox_server.reset()


@pytest.fixture
def erp(seeded_afterwards, upstream):
    """The dashboard's client pointed at the sandbox (``upstream``, from tests/orders/conftest.py)."""
    return upstream


def erp_json(sandbox, path: str, **params):
    response = sandbox.api("GET", path, params=params)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def erp_draft(erp):
    """A three-line draft (the middle one text) built from the sandbox's own customers, products and
    dimensions; call it with overrides."""
    customer = tso_reading.customer(erp_json(erp, "/customers/10001"))
    products = erp_json(erp, "/products", limit=5)
    project = erp_json(erp, "/dimensions/1/elements")[0]
    department = erp_json(erp, "/dimensions/2/elements")[0]

    def build(**overrides) -> OrderDraft:
        values = {
            "customer": customer.as_snapshot(),
            "date": dt.date.today(),
            "status": "Invoice",
            "sales_type_id": -100,
            "reference_number": "PO-4711",
            "internal_memo": "Built by a test",
            "dimensions": (
                Dimension(dimension_type=1, value=project["value"], name=project["name"]),
                Dimension(dimension_type=2, value=department["value"], name=department["name"]),
            ),
            "lines": (
                LineDraft(type="product", product_id=products[0]["id"], description="First line",
                          quantity=Decimal("2"), price=Decimal("100.50"), discount_rate=Decimal("10"),
                          tax_id=1, tax_rate=Decimal("25")),
                LineDraft(type="text", description="A note between the lines"),
                LineDraft(type="product", product_id=products[1]["id"], description="Third line",
                          quantity=Decimal("3"), price=Decimal("49.99"), tax_id=2, tax_rate=Decimal("15")),
            ),
        }
        values.update(overrides)
        return OrderDraft(**values)

    return build


def send(user, draft: OrderDraft, token: str | None = None) -> Submission:
    submission = submission_start(user=user, token=token or submission_token(), draft=draft)
    return submission_run(submission=submission)


def marked_orders(sandbox, submission: Submission) -> list[dict]:
    """Every ERP order of the submission's customer that carries its marker."""
    tag = tso_payloads.marker(submission.public_id)
    customer_id = submission.payload["customer_id"]
    return [order for order in erp_json(sandbox, "/salesorders", customerId=customer_id, limit=1000)
            if tso_payloads.marker_in(order.get("internalMemo")) == tag]


def the_order(sandbox, submission: Submission) -> tuple[dict, list[dict]]:
    """The one ERP order of this submission and its lines (fails when there is not exactly one)."""
    (order,) = marked_orders(sandbox, submission)
    assert order["id"] == submission.upstream_order_id
    return order, erp_json(sandbox, f"/salesorders/{order['id']}/lines")


def api_calls(sandbox, since: int) -> list[str]:
    """The API calls answered after ``since``, as "METHOD /path" with ids as {id}; token calls are left
    out, and so are calls that got no answer: the sandbox logs a dropped or timed-out call only once
    it is done with it, which can be after the client has moved on."""
    result = []
    for call in sandbox.calls(since):
        path = re.sub(r"/\d+", "/{id}", call["path"].removeprefix("/v1"))
        if not path.startswith("/oauth") and call["status"] is not None:
            result.append(f"{call['method']} {path}")
    return result


def handled(sandbox, since: int, fault: str) -> None:
    """Wait until the sandbox has finished the call it failed with ``fault`` (it logs it then)."""
    deadline = time.monotonic() + 10
    while not any(call["fault"] == fault for call in sandbox.calls(since)):
        assert time.monotonic() < deadline, f"the sandbox never finished the {fault} call"
        time.sleep(0.05)


def fail_line(monkeypatch, sandbox, number: int, fault: str, **options) -> None:
    """Make adding line ``number`` (1-based) of the next run fail with ``fault``: the fault is
    registered just before the dashboard sends that line."""
    client = get_client()
    original = client.create_line
    sent = []

    def create_line(order_id, body):
        sent.append(body)
        if len(sent) == number:
            sandbox.fault("POST /salesorders/*/lines", fault, **options)
        return original(order_id, body)

    monkeypatch.setattr(client, "create_line", create_line)


@pytest.mark.django_db
def test_a_submission_creates_the_order_adds_its_lines_and_sets_its_status(erp, erp_draft, user):
    draft = erp_draft()
    submission = send(user, draft)

    assert submission.state == Submission.State.SUCCEEDED, submission.last_error
    order, lines = the_order(erp, submission)
    assert order["status"] == "Invoice"
    assert [(line["type"], line["description"]) for line in lines] == [
        ("product", "First line"), ("text", "A note between the lines"), ("product", "Third line")]
    assert Decimal(str(order["netAmount"])) == draft.totals().net
    assert Decimal(str(order["grossAmount"])) == draft.totals().gross
    detail = erp_json(erp, f"/salesorders/{order['id']}")
    assert detail["dimensions"] == [tso_payloads.dimension_body(d) for d in draft.dimensions]
    assert detail["referenceNumber"] == "PO-4711"

    steps = list(submission.steps.order_by("position"))
    assert [s.kind for s in steps] == ["create_order", "add_line", "add_line", "add_line", "set_status"]
    assert all(s.state == "succeeded" and s.http_status == 200 and s.trace_id and s.duration_ms > 0
               and s.attempts == 1 for s in steps)
    assert [s.upstream_line_id for s in steps[1:4]] == [line["id"] for line in lines]
    assert steps[0].response["id"] == order["id"]
    assert submission.last_error == ""


LINES_AND_STATUS = ["POST /salesorders/{id}/lines"] * 3 + ["PATCH /salesorders/{id}"]
# where it fails, the fault, the failed step's state, words of the message, the retry's API calls in order
STEP_FAILURES = [
    ("order", "503", "failed", "The order could not be sent to the ERP.",
     ["POST /salesorders", *LINES_AND_STATUS]),
    # Checked, sent again, then looked at once more for a duplicate of the first attempt.
    ("order", "500", "unknown", "The ERP did not confirm that it created the order.",
     ["GET /salesorders", "POST /salesorders", "GET /salesorders", *LINES_AND_STATUS]),
    ("order", "timeout", "unknown", "The ERP did not confirm that it created the order.",
     ["GET /salesorders", "POST /salesorders", "GET /salesorders", *LINES_AND_STATUS]),
    ("order", "drop_after_commit", "unknown", "The ERP did not confirm that it created the order.",
     ["GET /salesorders", *LINES_AND_STATUS]),
    # Applied, but answered with JSON cut short: as good as no answer.
    ("order", "malformed", "unknown", "The ERP did not confirm that it created the order.",
     ["GET /salesorders", *LINES_AND_STATUS]),
    ("line 2", "503", "failed", "but line 2 could not be added. The ERP is busy right now.",
     LINES_AND_STATUS[1:]),
    ("line 2", "500", "unknown", "but the ERP did not confirm line 2.",
     ["GET /salesorders/{id}/lines", LINES_AND_STATUS[1], "GET /salesorders/{id}/lines", *LINES_AND_STATUS[2:]]),
    ("line 2", "drop_after_commit", "unknown", "but the ERP did not confirm line 2.",
     ["GET /salesorders/{id}/lines", *LINES_AND_STATUS[2:]]),
    ("line 2", "malformed", "unknown", "but the ERP did not confirm line 2.",
     ["GET /salesorders/{id}/lines", *LINES_AND_STATUS[2:]]),
    ("status", "503", "failed", "but its status could not be set to Invoiced.",
     ["PATCH /salesorders/{id}"]),
    ("status", "500", "unknown", "but the ERP did not confirm the status Invoiced.",
     ["GET /salesorders/{id}", "PATCH /salesorders/{id}"]),
    ("status", "drop_after_commit", "unknown", "but the ERP did not confirm the status Invoiced.",
     ["GET /salesorders/{id}"]),
]
DONE_BEFORE = {"order": 0, "line 2": 2, "status": 4}  # steps that succeeded before the failing one


@pytest.mark.django_db
@pytest.mark.parametrize(("where", "fault", "step_state", "words", "retry_calls"), STEP_FAILURES,
                         ids=[f"{w}-{f}" for w, f, *_ in STEP_FAILURES])
def test_a_failed_step_is_retried_without_a_duplicate(erp, erp_draft, user, monkeypatch, where, fault, step_state,
                                                      words, retry_calls):
    start = erp.last_call_id()
    if where == "order":
        erp.fault("POST /salesorders", fault, seconds=3)
    elif where == "status":
        erp.fault("PATCH /salesorders/*", fault)
    else:
        fail_line(monkeypatch, erp, 2, fault)

    failed = send(user, erp_draft())

    assert failed.state == Submission.State.FAILED
    assert failed.steps.filter(state="succeeded").count() == DONE_BEFORE[where]
    step = failed.steps.exclude(state="succeeded").order_by("position").first()
    assert step.state == step_state
    assert words in failed.last_error
    # A definite failure lost nothing (the builder adds "Press Try again"); a write in doubt is checked by the
    # dashboard before anything more.
    assert ("Nothing was lost." if step_state == "failed" else "The dashboard checks the") in failed.last_error
    if where != "order":
        assert failed.last_error.startswith(f"The order was created in the ERP (#{failed.upstream_order_id})")

    since = erp.last_call_id()
    done = submission_run(submission=failed)

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert api_calls(erp, since) == retry_calls
    handled(erp, start, fault)  # a timed-out call is still sleeping in the sandbox until now
    order, lines = the_order(erp, done)
    assert order["status"] == "Invoice"
    assert [line["description"] for line in lines] == ["First line", "A note between the lines", "Third line"]
    retried = done.steps.get(pk=step.pk)
    applied = fault in ("drop_after_commit", "malformed")
    assert retried.attempts == (1 if applied else 2)
    if applied:
        assert retried.note.startswith("The ERP's answer was lost;")


@pytest.mark.django_db
def test_an_unreachable_erp_while_checking_keeps_the_step_in_doubt(erp, erp_draft, user):
    erp.fault("POST /salesorders", "drop_after_commit")
    failed = send(user, erp_draft(lines=(), status="Draft"))
    erp.fault("GET /salesorders", "500")  # the check fails (a 500 is not retried)

    still = submission_run(submission=failed)

    assert still.state == Submission.State.FAILED
    assert "must check whether the order was created" in still.last_error
    assert still.steps.get(kind="create_order").state == "unknown"
    done = submission_run(submission=still)
    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert len(marked_orders(erp, done)) == 1


def copy_in_the_erp(erp, order: dict, *, with_line: bool) -> dict:
    """Someone copies the order in the ERP, marker and all (and perhaps gives the copy a line)."""
    copy = erp.api("POST", "/salesorders", json={key: order[key] for key in ("customer", "date", "internalMemo")})
    copy.raise_for_status()
    if with_line:
        erp.api("POST", f"/salesorders/{copy.json()['id']}/lines",
                json={"type": "text", "description": "Added by hand"}).raise_for_status()
    return copy.json()


@pytest.mark.django_db
def test_an_extra_empty_order_from_the_form_is_removed(erp, erp_draft, user):
    erp.fault("POST /salesorders", "drop_after_commit")
    failed = send(user, erp_draft(lines=(), status="Draft"))
    (original,) = marked_orders(erp, failed)
    extra = copy_in_the_erp(erp, original, with_line=False)

    done = submission_run(submission=failed)

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert [order["id"] for order in marked_orders(erp, done)] == [original["id"]] == [done.upstream_order_id]
    assert erp.api("GET", f"/salesorders/{extra['id']}").status_code == 404
    step = done.steps.get(kind="create_order")
    repair = step.history.get(outcome="repaired")
    assert repair.response["id"] == extra["id"] and f"#{extra['id']}" in repair.error
    assert f"the extra, empty order #{extra['id']}" in step.note


@pytest.mark.django_db
def test_two_marked_orders_with_lines_need_a_person(erp, erp_draft, user):
    erp.fault("POST /salesorders", "drop_after_commit")
    failed = send(user, erp_draft(lines=(), status="Draft"))
    (original,) = marked_orders(erp, failed)
    extra = copy_in_the_erp(erp, original, with_line=True)

    stuck = submission_run(submission=failed)

    assert stuck.state == Submission.State.NEEDS_ATTENTION
    assert "2 orders from this form" in stuck.last_error
    assert f"Order #{extra['id']} already has 1 line(s)" in stuck.last_error  # the evidence
    assert len(marked_orders(erp, stuck)) == 2  # nothing was deleted
    since = erp.last_call_id()
    assert submission_run(submission=stuck).state == Submission.State.NEEDS_ATTENTION
    assert api_calls(erp, since) == []


@pytest.mark.django_db
def test_every_attempt_of_a_step_is_kept_with_its_answer_and_ids(erp, erp_draft, user):
    erp.fault("POST /salesorders/*/lines", "503")
    failed = send(user, erp_draft(status="Draft"))
    done = submission_run(submission=failed)
    assert done.state == Submission.State.SUCCEEDED, done.last_error

    step = done.steps.get(kind="add_line", line_index=0)
    first, second = step.history.all()
    assert (first.number, first.outcome, first.http_status) == (1, "failed", 503)
    assert first.trace_id and first.error and first.duration_ms is not None
    assert (second.number, second.outcome, second.http_status) == (2, "succeeded", 200)
    assert second.trace_id and second.trace_id != first.trace_id
    assert second.response["id"] == step.upstream_line_id and second.error == ""
    # Steps that went through at once have their one attempt.
    assert [a.outcome for a in done.steps.get(kind="create_order").history.all()] == ["succeeded"]


@pytest.mark.django_db
def test_once_a_person_put_the_erp_right_a_second_check_carries_on(erp, erp_draft, user):
    erp.fault("POST /salesorders", "drop_after_commit")
    failed = send(user, erp_draft(status="Invoice"))
    (original,) = marked_orders(erp, failed)
    extra = copy_in_the_erp(erp, original, with_line=True)
    stuck = submission_run(submission=failed)
    assert stuck.state == Submission.State.NEEDS_ATTENTION

    # The admin deletes the copy in the ERP, then asks for another check: the original is found by
    # its marker and the rest is sent, with no second order.
    assert erp.api("DELETE", f"/salesorders/{extra['id']}").status_code == 204
    done = submission_run(submission=stuck, attended=True)

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert [order["id"] for order in marked_orders(erp, done)] == [original["id"]] == [done.upstream_order_id]
    order, lines = the_order(erp, done)
    assert order["status"] == "Invoice" and len(lines) == len(erp_draft(status="Invoice").lines)


@pytest.mark.django_db
def test_an_admin_closes_a_submission_settled_by_hand_and_nothing_more_is_sent(erp, erp_draft, user):
    erp.fault("POST /salesorders", "503")
    failed = send(user, erp_draft(lines=(), status="Draft"))
    assert failed.state == Submission.State.FAILED

    with pytest.raises(SubmissionConflict, match="Say what was done"):
        submission_close(submission=failed, user=user, note="  ")
    closed = submission_close(submission=failed, user=user, note="Made it by hand as #4711")

    assert (closed.state, closed.closed_by, closed.close_note) == (Submission.State.CLOSED, user,
                                                                   "Made it by hand as #4711")
    assert closed.closed_at is not None
    since = erp.last_call_id()
    assert submission_run(submission=closed, attended=True).state == Submission.State.CLOSED
    assert api_calls(erp, since) == []
    with pytest.raises(SubmissionConflict, match="only one that failed or needs attention"):
        submission_close(submission=closed, user=user, note="again")


@pytest.mark.django_db
def test_a_running_submission_is_left_to_its_runner(erp, erp_draft, user):
    submission = submission_start(user=user, token="tok-run", draft=erp_draft(lines=(), status="Draft"))
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.IN_PROGRESS)
    since = erp.last_call_id()

    assert submission_run(submission=submission).state == Submission.State.IN_PROGRESS
    assert api_calls(erp, since) == []

    # A claim without progress for longer than the lease belongs to a crashed worker: take it over.
    Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now() - RUN_LEASE * 2)
    assert submission_run(submission=submission).state == Submission.State.SUCCEEDED
    assert len(marked_orders(erp, submission)) == 1


@pytest.mark.django_db
def test_a_double_submit_creates_one_order(erp, erp_draft, user):
    draft = erp_draft()
    first = send(user, draft, token="same-form")
    since = erp.last_call_id()

    # The second click, or back and submit again: the same submission, nothing more sent.
    again = send(user, draft, token="same-form")

    assert again.pk == first.pk and again.state == Submission.State.SUCCEEDED
    assert api_calls(erp, since) == []
    assert Submission.objects.count() == 1
    order, lines = the_order(erp, again)
    assert len(lines) == 3


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="in-memory SQLite (tests) cannot take concurrent writers; runs on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_form_create_one_order(erp, erp_draft, user):
    draft = erp_draft()
    barrier = threading.Barrier(2)
    results: list[Submission] = []
    failures: list[BaseException] = []

    def submit():
        try:
            barrier.wait()
            results.append(send(user, draft, token="same-form"))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    submission = Submission.objects.get()
    assert [r.pk for r in results] == [submission.pk, submission.pk]
    submission = submission_run(submission=submission)  # whichever run lost the race left it to the winner
    assert submission.state == Submission.State.SUCCEEDED
    order, lines = the_order(erp, submission)
    assert len(lines) == 3


@pytest.mark.django_db
def test_only_a_failed_submission_can_be_corrected(user):
    submission = submission_start(user=user, token="tok-1", draft=make_draft())
    with pytest.raises(SubmissionConflict, match="pending"):
        submission_revise(submission=submission, draft=make_draft(memo="changed"))


@pytest.mark.django_db
def test_a_correction_before_the_order_exists_replans_everything(user):
    submission = submission_start(user=user, token="tok-1", draft=make_draft())
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED)
    submission.steps.filter(kind="create_order").update(state="failed")

    revised = submission_revise(submission=submission, draft=make_draft(status="Confirmed", lines=()))

    assert revised.state == Submission.State.PENDING and revised.target_status == "Confirmed"
    (step,) = revised.steps.all()
    assert (step.kind, step.position, step.request["status"]) == ("create_order", 0, "Confirmed")


@pytest.mark.django_db
def test_a_correction_cannot_remove_what_the_erp_order_already_has(user):
    with_delivery_date = make_draft(delivery_date=dt.date(2026, 3, 9))
    submission = submission_start(user=user, token="tok-1", draft=with_delivery_date)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED, upstream_order_id=77)
    submission.steps.filter(kind="create_order").update(state="succeeded")

    with pytest.raises(SubmissionConflict, match="already has a delivery date that cannot be removed"):
        submission_revise(submission=submission, draft=make_draft())
    with pytest.raises(SubmissionConflict, match="order #77 already has 1"):
        submission.steps.filter(line_index=0).update(state="succeeded")
        submission_revise(submission=submission, draft=replace(with_delivery_date, lines=()))


# --- the ERP's own rejections, end to end ------------------------------------------------------------------

@pytest.mark.django_db
def test_an_order_the_erp_rejects_maps_onto_its_fields_and_nothing_is_created(erp, erp_draft, user):
    draft = erp_draft()
    too_long = replace(draft, customer=replace(draft.customer, name="N" * 201))
    failed = send(user, too_long)

    assert failed.state == Submission.State.FAILED
    assert failed.upstream_order_id is None
    assert "Nothing was created in the ERP" in failed.last_error
    errors = submission_form_errors(submission=failed)
    assert errors.fields == {"customer_name": ["Too long for the ERP."]}
    assert errors.tracking_id and errors.tracking_id == failed.last_tracking_id
    assert marked_orders(erp, failed) == []

    fixed = submission_revise(submission=failed, draft=draft)
    done = submission_run(submission=fixed)
    assert done.state == Submission.State.SUCCEEDED
    assert len(marked_orders(erp, done)) == 1
    assert submission_form_errors(submission=done) == FormErrors()


@pytest.mark.django_db
def test_a_line_the_erp_rejects_maps_onto_that_line_and_the_retry_continues_there(erp, erp_draft, user):
    draft = erp_draft()
    lines = list(draft.lines)
    lines[1] = replace(lines[1], description="x" * 301)
    failed = send(user, replace(draft, lines=tuple(lines)))

    assert failed.state == Submission.State.FAILED
    assert "did not accept line 2" in failed.last_error
    errors = submission_form_errors(submission=failed)
    assert errors.lines == {1: {"description": ["Too long for the ERP."]}}
    assert not errors.fields

    # Line 1 is in the ERP already: it cannot be changed from here.
    changed_first = list(draft.lines)
    changed_first[0] = replace(changed_first[0], quantity=Decimal(5))
    with pytest.raises(SubmissionConflict, match="Line 1 is already in the ERP"):
        submission_revise(submission=failed, draft=replace(draft, lines=tuple(changed_first)))

    done = submission_run(submission=submission_revise(submission=failed, draft=draft))
    assert done.state == Submission.State.SUCCEEDED
    order, erp_lines = the_order(erp, done)
    assert [line["description"] for line in erp_lines] == ["First line", "A note between the lines", "Third line"]
    assert order["status"] == "Invoice"


@pytest.mark.django_db
def test_no_lines_for_an_invoice_maps_onto_the_lines_section(erp, erp_draft, user):
    failed = send(user, erp_draft(lines=()))

    assert failed.state == Submission.State.FAILED
    assert failed.last_error == ("The ERP did not accept the order. No lines in the sales order. Nothing was "
                                 "created in the ERP: correct what is marked on the form and send again.")
    errors = submission_form_errors(submission=failed)
    (message,) = errors.sections["lines"]
    assert "at least one line" in message and failed.last_tracking_id in message
    assert marked_orders(erp, failed) == []


@pytest.mark.django_db
def test_a_missing_project_maps_onto_dimensions_and_the_correction_travels_with_the_status(erp, erp_draft, user):
    draft = erp_draft(status="Confirmed", sales_type_id=3)
    without_project = replace(draft, dimensions=draft.dimensions[1:])
    failed = send(user, without_project)

    # The order and its lines are in the ERP; the status was refused.
    assert failed.state == Submission.State.FAILED
    assert "would not set it to Confirmed" in failed.last_error
    (message,) = submission_form_errors(submission=failed).sections["dimensions"]
    assert "project" in message

    done = submission_run(submission=submission_revise(submission=failed, draft=draft))

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    order, lines = the_order(erp, done)
    assert order["status"] == "Confirmed" and len(lines) == 3
    detail = erp_json(erp, f"/salesorders/{order['id']}")
    assert [d["dimensionType"] for d in detail["dimensions"]] == [1, 2]
    assert done.steps.get(kind="set_status", state="succeeded").request["dimensions"][0]["dimensionType"] == 1


@pytest.mark.django_db
def test_a_missing_department_maps_onto_dimensions(erp, erp_draft, user):
    failed = send(user, erp_draft(status="Confirmed", sales_type_id=4, lines=(), dimensions=()))

    assert failed.state == Submission.State.FAILED
    (message,) = submission_form_errors(submission=failed).sections["dimensions"]
    assert "department" in message and "tracking id" in message
    assert marked_orders(erp, failed) == []


# --- "Duplicate" --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_draft_from_order_copies_the_order_for_a_new_one(erp, erp_draft, user):
    original = erp_draft(
        delivery_customer=DeliveryCustomer(id=None, name="Lager Vest", street="Kaien 1", postal_code="5003",
                                           city="Bergen", country_code="NO"),
        delivery_date=dt.date.today() + dt.timedelta(days=7), your_reference="Kari Nordmann", our_reference_id=None,
        payment_terms=PaymentTerms(type="NumberOfDays", value=30), memo="Thanks!",
    )
    submission = send(user, original)
    assert submission.state == Submission.State.SUCCEEDED

    copy = draft_from_order(order_id=submission.upstream_order_id)

    assert copy.status == "Draft" and copy.date == timezone.localdate() and copy.delivery_date is None
    assert copy.internal_memo == "Built by a test"  # the marker is not copied
    assert copy.customer == original.customer
    for attribute in ("delivery_customer", "currency_code", "currency_rate", "your_reference", "reference_number",
                      "payment_terms", "memo", "dimensions"):
        assert getattr(copy, attribute) == getattr(original, attribute), attribute
    assert [(l.type, l.product_id, l.description, l.quantity, l.price, l.discount_rate, l.tax_id, l.tax_rate)
            for l in copy.lines if l.type == "product"] == [
        (l.type, l.product_id, l.description, l.quantity, l.price, l.discount_rate, l.tax_id, l.tax_rate)
        for l in original.lines if l.type == "product"]
    assert copy.totals() == original.totals()
    # A copy sent again is a new order, which remembers where it came from.
    again = submission_run(submission=submission_start(
        user=user, token=submission_token(), draft=copy, source_order_id=submission.upstream_order_id))
    assert again.state == Submission.State.SUCCEEDED and again.upstream_order_id != submission.upstream_order_id
    assert again.source_order_id == submission.upstream_order_id


# --- the admin ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_admin_lists_submissions_by_state_and_shows_their_steps(admin_client, user):
    pending = submission_start(user=user, token="tok-admin", draft=make_draft())
    Submission.objects.filter(pk=pending.pk).update(upstream_order_id=4711, state=Submission.State.FAILED)

    listing = admin_client.get("/admin/orders/submission/", {"state__exact": "failed", "q": "4711"})
    assert listing.status_code == 200
    assert str(pending.public_id) in listing.content.decode()
    assert str(pending.public_id) not in admin_client.get(
        "/admin/orders/submission/", {"state__exact": "succeeded"}).content.decode()
    assert admin_client.get("/admin/orders/submission/", {"q": "not a number"}).status_code == 200

    page = admin_client.get(f"/admin/orders/submission/{pending.pk}/change/")
    assert page.status_code == 200
    assert page.content.decode().count("Add a line") >= 3
    assert admin_client.get("/admin/orders/submission/add/").status_code == 403


@pytest.mark.django_db
def test_a_duplicated_seeded_order_reaches_the_erp_with_the_same_lines_and_totals(erp, user):
    (seeded,) = erp_json(erp, "/salesorders", status="Invoice", limit=1)
    seeded_lines = erp_json(erp, f"/salesorders/{seeded['id']}/lines")

    copy = submission_run(submission=submission_start(
        user=user, token=submission_token(), draft=draft_from_order(order_id=seeded["id"])))

    assert copy.state == Submission.State.SUCCEEDED, copy.last_error
    order, lines = the_order(erp, copy)
    assert order["status"] == "Draft"
    assert [(l["type"], l["description"], l["quantity"], l["price"], l["tax"]["id"]) for l in lines] == [
        (l["type"], l["description"], l["quantity"], l["price"], l["tax"]["id"]) for l in seeded_lines]
    assert (order["netAmount"], order["grossAmount"]) == (seeded["netAmount"], seeded["grossAmount"])


# --- a write the ERP carries out after the dashboard gave up on it -------------------------------------------

@pytest.fixture
def slow_erp(erp, settings):
    """The ERP as a slow one: the dashboard waits 1 s for an answer, and a write it gave up on may
    still land for 1.5 s after that (the settle period)."""
    settings.TSO = {**settings.TSO, "READ_TIMEOUT": 1, "SETTLE_SECONDS": 1.5}
    return erp


def fail_late(erp, monkeypatch, where: str, seconds: float) -> None:
    """The next write at ``where`` lands ``seconds`` after it was sent, long after the dashboard gave up."""
    if where == "order":
        erp.fault("POST /salesorders", "late_commit", seconds=seconds)
    else:
        fail_line(monkeypatch, erp, 2, "late_commit", seconds=seconds)


def press_try_again(submission: Submission, erp, *, every: float, limit: float = 15) -> Submission:
    """The user presses Try again every ``every`` seconds until the order is sent. A press while the
    first write may still land must send nothing at all."""
    deadline = time.monotonic() + limit
    while submission.state != Submission.State.SUCCEEDED:
        assert time.monotonic() < deadline, submission.last_error
        assert submission.state == Submission.State.FAILED, submission.last_error
        time.sleep(every)
        settling = submission.steps.filter(settles_at__gt=timezone.now()).exists()
        since = erp.last_call_id()
        submission = submission_run(submission=submission)
        if settling and submission.state == Submission.State.FAILED:
            assert api_calls(erp, since) == [], "sent while the first write could still land"
            assert "and may still be working on it" in submission.last_error
    return submission


@pytest.mark.django_db
@pytest.mark.parametrize("every", [0.1, 0.7, 3.0], ids=["hammering", "now-and-then", "once-much-later"])
@pytest.mark.parametrize("where", ["order", "line 2"])
def test_a_write_the_erp_finishes_late_is_never_made_twice(slow_erp, erp_draft, user, monkeypatch, where, every):
    start = slow_erp.last_call_id()
    fail_late(slow_erp, monkeypatch, where, seconds=2)  # lands 1 s after the dashboard gave up

    failed = send(user, erp_draft())
    monkeypatch.undo()  # later runs send line 2 as they are
    assert failed.state == Submission.State.FAILED
    assert "did not confirm" in failed.last_error

    done = press_try_again(failed, slow_erp, every=every)

    handled(slow_erp, start, "late_commit")
    order, lines = the_order(slow_erp, done)  # exactly one order from this form...
    assert order["status"] == "Invoice"
    # ...with exactly the lines sent, each once.
    assert [line["description"] for line in lines] == ["First line", "A note between the lines", "Third line"]
    in_doubt = done.steps.get(kind="create_order" if where == "order" else "add_line", line_index=(
        None if where == "order" else 1))
    assert in_doubt.attempts == 1 and in_doubt.note.startswith("The ERP's answer was lost;")


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["order", "line 2"])
def test_a_duplicate_left_by_a_write_landing_after_the_check_is_removed(slow_erp, erp_draft, user, monkeypatch,
                                                                        where, settings):
    """A settle period shorter than the ERP's slowness (a misconfiguration): the first write lands
    after it was checked and sent again. The look after the resend finds the copy and removes it."""
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 0}
    path = "/salesorders" if where == "order" else "/salesorders/*/lines"
    fail_late(slow_erp, monkeypatch, where, seconds=2)  # sent at 0 s, given up at 1 s, lands at 2 s
    failed = send(user, erp_draft())
    monkeypatch.undo()
    # The check (answered at ~1.6 s) comes before the first write lands; the resend is answered after.
    slow_erp.fault(f"GET {path}", "timeout", seconds=0.6)
    slow_erp.fault(f"POST {path}", "timeout", seconds=0.8)

    done = submission_run(submission=failed)

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    order, lines = the_order(slow_erp, done)
    assert [line["description"] for line in lines] == ["First line", "A note between the lines", "Third line"]
    step = done.steps.get(kind="create_order" if where == "order" else "add_line",
                          line_index=None if where == "order" else 1)
    (repair,) = step.history.filter(outcome="repaired")
    assert repair.http_status == 204 and repair.response["id"] != (
        done.upstream_order_id if where == "order" else step.upstream_line_id)


@pytest.mark.django_db
def test_a_duplicate_on_an_invoiced_order_is_left_to_a_person(erp, erp_draft, user):
    erp.fault("POST /salesorders", "drop_after_commit")
    failed = send(user, erp_draft(lines=(), status="Draft"))
    (original,) = marked_orders(erp, failed)
    extra = copy_in_the_erp(erp, original, with_line=True)
    assert erp.api("PATCH", f"/salesorders/{extra['id']}", json={"status": "Invoice"}).status_code == 200

    stuck = submission_run(submission=failed)

    assert stuck.state == Submission.State.NEEDS_ATTENTION
    assert f"Order #{extra['id']} is already invoiced, so the dashboard left it alone" in stuck.last_error
    assert erp_json(erp, f"/salesorders/{extra['id']}")["status"] == "Invoice"


# --- claims -----------------------------------------------------------------------------------------------------

def _exited_process_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.django_db
def test_a_submission_whose_sender_process_died_is_taken_over_at_once(erp, erp_draft, user):
    submission = submission_start(user=user, token="tok-crash", draft=erp_draft(lines=(), status="Draft"))
    # The web process crashed while it was sending: its claim is fresh, but its process is gone.
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.IN_PROGRESS, claimed_by=f"{socket.gethostname()}:{_exited_process_pid()}:0badc0de")

    done = submission_run(submission=submission)

    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert len(marked_orders(erp, done)) == 1


@pytest.mark.django_db
def test_a_claim_whose_process_lives_is_left_alone(erp, erp_draft, user):
    submission = submission_start(user=user, token="tok-alive", draft=erp_draft(lines=(), status="Draft"))
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.IN_PROGRESS, claimed_by=f"{socket.gethostname()}:{alive.pid}:feedface")
        since = erp.last_call_id()
        assert submission_run(submission=submission).state == Submission.State.IN_PROGRESS
        assert api_calls(erp, since) == []
    finally:
        alive.kill()
        alive.wait()
    # Once it is gone, the next press takes over.
    assert submission_run(submission=submission).state == Submission.State.SUCCEEDED


@pytest.mark.django_db
def test_a_write_in_flight_when_the_process_died_settles_before_it_is_checked(erp, erp_draft, user, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 30}
    submission = submission_start(user=user, token="tok-inflight", draft=erp_draft(lines=(), status="Draft"))
    step = submission.steps.get()
    # The process wrote "about to send" and died during the call.
    step.state, step.attempts, step.settles_at = "unknown", 1, timezone.now() + dt.timedelta(seconds=30)
    step.save()
    Submission.objects.filter(pk=submission.pk).update(
        state=Submission.State.IN_PROGRESS, claimed_by=f"{socket.gethostname()}:{_exited_process_pid()}:0")
    since = erp.last_call_id()

    waiting = submission_run(submission=submission)

    assert waiting.state == Submission.State.FAILED and api_calls(erp, since) == []
    assert "may still be working on it" in waiting.last_error
    SubmissionStep.objects.filter(pk=step.pk).update(settles_at=timezone.now())
    done = submission_run(submission=waiting)
    assert done.state == Submission.State.SUCCEEDED, done.last_error
    assert api_calls(erp, since) == ["GET /salesorders", "POST /salesorders", "GET /salesorders"]


@pytest.mark.django_db
def test_a_budget_stops_starting_steps_and_the_next_run_carries_on(erp, erp_draft, user):
    submission = submission_start(user=user, token="tok-budget", draft=erp_draft())

    first = submission_run(submission=submission, budget=0)  # one step, then the budget is spent

    assert first.state == Submission.State.PENDING and first.last_error == ""
    assert progress(first) == (1, 5)
    done = submission_run(submission=first)
    assert done.state == Submission.State.SUCCEEDED
    order, lines = the_order(erp, done)
    assert len(lines) == 3


@pytest.mark.django_db
def test_a_revision_counts_steps_by_what_they_are(user):
    """The status change lost its answer: an unchanged form sent again is not taken for an extra line."""
    draft = make_draft(status="Confirmed")
    submission = submission_start(user=user, token="tok-rev", draft=draft)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED, upstream_order_id=77)
    submission.steps.exclude(kind="set_status").update(state="succeeded")
    submission.steps.filter(kind="set_status").update(state="unknown")

    revised = submission_revise(submission=submission, draft=replace(draft, memo="Corrected memo"))

    steps = list(revised.steps.order_by("position"))
    assert [s.kind for s in steps] == ["create_order", "add_line", "add_line", "add_line", "set_status",
                                       "set_status"]
    assert steps[-1].request == {"memo": "Corrected memo", "status": "Confirmed"}
    # Unchanged but for the spelling of its numbers: nothing to add after the status step in doubt.
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED)
    SubmissionStep.objects.filter(pk=steps[-1].pk).delete()
    again = submission_revise(submission=submission, draft=draft)
    assert [s.kind for s in again.steps.order_by("position")][-1] == "set_status"
    assert again.steps.filter(kind="set_status").count() == 1


@pytest.mark.django_db
def test_a_write_in_doubt_whose_sender_left_the_page_is_settled_by_the_worker(erp, erp_draft, user, settings):
    """Nobody's page looks again: the scheduler enqueues the settling once its time has come, and the worker
    checks the ERP and carries on, as the page would have. One order, with every line."""
    from orders import tasks
    from orders.submissions import unattended

    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    erp.fault("POST /salesorders", "drop_after_commit")
    left = send(user, erp_draft(status="Draft"))
    assert left.state == Submission.State.FAILED and step_in_doubt(left) is not None
    since = erp.last_call_id()
    # Before its settle time: not touched (a slow ERP may still be carrying the write out).
    assert not tasks.schedule_settling() and unattended.settle_due() == {} and api_calls(erp, since) == []

    # In doubt for more than a day: an admin may have entered it by hand meanwhile; it is theirs to send again.
    in_doubt = SubmissionStep.objects.filter(submission=left, state="unknown")
    in_doubt.update(settles_at=timezone.now() - unattended.AT_MOST - dt.timedelta(minutes=1))
    assert not unattended.due().exists() and not tasks.schedule_settling()
    in_doubt.update(settles_at=timezone.now())
    assert tasks.schedule_settling()  # enqueued; this test's backend runs it at once

    done = Submission.objects.get(pk=left.pk)
    assert done.state == Submission.State.SUCCEEDED, done.last_error
    (order,) = marked_orders(erp, done)
    assert order["id"] == done.upstream_order_id
    assert len(erp.api("GET", f"/salesorders/{order['id']}/lines").json()) == len(left.payload["lines"])
    assert not unattended.due().exists() and not tasks.schedule_settling()


def test_one_submission_the_worker_cannot_run_does_not_hold_up_the_others(monkeypatch):
    """A company's secret missing, a bug: logged and counted, and the next submission is still settled."""
    from types import SimpleNamespace

    from orders.submissions import unattended

    first, second = SimpleNamespace(public_id="first"), SimpleNamespace(public_id="second")
    ran = []

    def run(*, submission):
        ran.append(submission.public_id)
        if submission is first:
            raise RuntimeError("no secret for this company")
        return SimpleNamespace(state="succeeded")

    monkeypatch.setattr(unattended, "due", lambda: [first, second])
    monkeypatch.setattr(unattended, "step_in_doubt", lambda submission: object())
    monkeypatch.setattr(unattended, "submission_run", run)
    assert unattended.settle_due() == {"error": 1, "succeeded": 1} and ran == ["first", "second"]
