"""Reading 24SevenOffice JSON: tolerant of what the API has been seen to send."""

import datetime as dt
from decimal import Decimal

import pytest

from orders.erp.errors import UpstreamUnavailable
from orders.erp.tso import reading as tso_reading

# The read-by-id sample of the API documentation (legacy hal+json variant with _embedded.lines).
SEED_ORDER = {
    "id": 1234,
    "customer": {"id": 12345, "organizationNumber": "123456789", "gln": "1234567890123", "name": "ABC Corporation",
                 "street": "Hovedgata 1", "postalCode": "0123", "postalArea": "Fornebu", "city": "Fornebu",
                 "countrySubdivision": "Viken", "countryCode": "NO"},
    "status": "Invoice",
    "deliveryCustomer": {"id": 12345, "name": "ABC Corporation", "street": "Hovedgata 1", "postalCode": "0123",
                         "postalArea": "Fornebu", "city": "Fornebu", "countrySubdivision": "Viken",
                         "countryCode": "NO"},
    "invoice": {"number": 123, "date": "2023-06-01", "dueDate": "2023-06-15", "remittanceReference": "ABC12345",
                "transaction": {"id": "63293496-884f-4358-b489-f641fe51cdaa"}},
    "date": "2023-06-01",
    "internalMemo": "Customer requested special packaging.",
    "memo": "Urgent delivery.",
    "salesType": {"id": 10},
    "createdAt": "2023-06-01T12:00:00Z",
    "modifiedAt": "2023-06-02T15:30:00Z",
    "_embedded": {"lines": [{
        "id": 123456789, "type": "product", "product": {"id": 101},
        "description": "Leather handbag with adjustable strap.", "quantity": 2, "price": 49.99,
        "discountRate": 10, "tax": {"id": 1, "number": 1, "rate": 25},
        "account": {"id": 200001, "number": 1500, "name": "Accounts Receivable"},
    }]},
}


def test_the_documented_order_reads_completely():
    order = tso_reading.order(SEED_ORDER)
    assert order.id == 1234
    assert order.status_label == "Invoiced"
    assert order.customer.name == "ABC Corporation"
    assert order.customer.gln == "1234567890123"
    assert order.delivery_customer.city == "Fornebu"
    assert order.invoice.number == 123
    assert order.invoice.due_date == dt.date(2023, 6, 15)
    assert order.invoice.transaction_id == "63293496-884f-4358-b489-f641fe51cdaa"
    assert order.invoice.is_overdue(dt.date(2023, 6, 16))
    assert not order.invoice.is_overdue(dt.date(2023, 6, 15))
    assert order.sales_type_id == 10
    assert order.created_at == dt.datetime(2023, 6, 1, 12, 0, tzinfo=dt.UTC)
    assert order.currency_code == "NOK" and order.currency_rate == 1


def test_embedded_lines_are_read_with_exact_decimals():
    (line,) = tso_reading.order(SEED_ORDER).embedded_lines
    assert line.price == Decimal("49.99")
    assert line.quantity == Decimal("2")
    assert line.tax_rate == Decimal("25")
    assert line.account_number == 1500
    assert line.amounts.net == Decimal("89.98")  # 2 × 49.99 less 10 %
    assert line.amounts.tax == Decimal("22.50")


def test_an_order_without_embedded_lines_says_so():
    data = {key: value for key, value in SEED_ORDER.items() if key != "_embedded"}
    assert tso_reading.order(data).embedded_lines is None


def test_street_as_a_list_becomes_lines():
    data = {**SEED_ORDER, "customer": {**SEED_ORDER["customer"], "street": ["c/o Lager 3", "Postboks 12"]}}
    assert tso_reading.order(data).customer.street == "c/o Lager 3\nPostboks 12"


def test_unknown_fields_and_missing_optional_parts_are_tolerated():
    order = tso_reading.order({"id": "77", "status": "Draft", "somethingNew": {"x": 1}, "customer": None,
                            "invoice": None, "currency": {"code": "EUR", "rate": "11.5"}, "netAmount": "10.10"})
    assert order.id == 77
    assert order.customer.id is None and order.customer.name == ""
    assert order.invoice.is_empty
    assert order.delivery_customer is None
    assert order.currency_rate == Decimal("11.5")
    assert order.net_amount == Decimal("10.10")


def test_payment_terms_of_every_kind():
    def terms(raw):
        return str(tso_reading.order({"id": 1, "invoice": {"paymentTerms": raw}}).invoice.payment_terms)

    assert terms({"type": "NumberOfDays", "value": 14}) == "14 days net"
    assert terms({"type": "OutMonthPlusDays", "value": 10}) == "End of month + 10 days"
    assert terms({"type": "FixedDate", "value": "2023-08-15"}) == "Due on 15 Aug 2023"  # as the page writes days
    assert terms({"type": "FixedDate", "value": "soon"}) == "Due on soon"  # not a date: as the ERP sent it


@pytest.mark.parametrize("raw", [None, [], "order", {"customer": {"id": 1}}])
def test_an_unreadable_order_is_the_upstream_answering_nonsense(raw):
    with pytest.raises(UpstreamUnavailable):
        tso_reading.order(raw)


def test_an_order_list_must_be_a_list():
    with pytest.raises(UpstreamUnavailable):
        tso_reading.orders({"items": []})
    with pytest.raises(UpstreamUnavailable):
        tso_reading.listed_orders({"items": []})


@pytest.mark.parametrize("raw", [
    SEED_ORDER,
    {"id": "77", "status": " Draft ", "customer": {"id": "5", "name": ["Ærø", "Bøker"]}, "netAmount": "10.50",
     "taxAmount": 2.625, "grossAmount": None, "currency": {"code": ""}, "invoice": {"number": "9"},
     "modifiedAt": "2026-11-02T10:00:00"},
    {"id": 78, "customer": None, "invoice": None, "currency": None, "date": "nonsense"},
])
def test_a_listed_order_reads_what_the_list_shows_as_the_full_reading_does(raw):
    listed, full = tso_reading.listed_orders([raw])[0], tso_reading.order(raw)
    assert (listed.id, listed.status, listed.customer_id, listed.customer_name, listed.date, listed.currency_code,
            listed.net_amount, listed.tax_amount, listed.gross_amount, listed.invoice_number, listed.modified_at) == (
        full.id, full.status, full.customer.id, full.customer.name, full.date, full.currency_code,
        full.net_amount, full.tax_amount, full.gross_amount, full.invoice.number, full.modified_at)


@pytest.mark.parametrize("raw", [None, "order", {"customer": {"id": 1}}])
def test_an_unreadable_listed_order_is_the_upstream_answering_nonsense(raw):
    with pytest.raises(UpstreamUnavailable):
        tso_reading.listed_orders([raw])


def test_customer_record_prefers_billing_address_and_billing_email():
    customer = tso_reading.customer({
        "id": 5, "name": "Ærø Bøker AS", "isCompany": True, "organizationNumber": "987654321",
        "address": {"visit": {"street": "Torget 1", "postalCode": "7010", "postalArea": "Trondheim"},
                    "billing": {"street": ["Postboks 4", "Sentrum"], "postalCode": "7001",
                                "postalArea": "Trondheim", "countryCode": "NO"}},
        "email": {"contact": "post@aero.no", "billing": "faktura@aero.no"},
    })
    snapshot = customer.as_snapshot()
    assert snapshot.street == "Postboks 4\nSentrum"
    assert snapshot.postal_code == "7001"
    assert snapshot.city == "Trondheim"
    assert snapshot.invoice_email_addresses == ("faktura@aero.no",)


def test_a_private_person_customer_is_named_from_the_person():
    customer = tso_reading.customer({"id": 6, "isCompany": False, "person": {"firstName": "Kari", "lastName": "Nordmann"}})
    assert customer.name == "Kari Nordmann"
    assert not customer.is_company


def test_reference_lists_skip_entries_without_ids():
    assert [t.rate for t in tso_reading.tax_codes([{"id": 1, "rate": 25}, {"rate": 15}, "x"])] == [Decimal(25)]
    assert [p.name for p in tso_reading.people([{"id": 1, "firstName": "Ola", "lastName": "Nordmann"}])] == ["Ola Nordmann"]


def test_accounts_sales_type_accounts_and_overrides_are_read_as_documented():
    [account] = tso_reading.accounts([{"id": 1003000, "number": 3000, "name": "Salg", "taxId": 1}, {"number": 1}, None])
    assert (account.id, account.number, account.tax_id) == (1003000, 3000, 1)
    [sales_type, bare] = tso_reading.sales_types([{"id": -100, "name": "Standard", "account": {"id": 1003000}},
                                               {"id": 2, "name": "Uten konto"}])
    assert sales_type.account_id == 1003000 and bare.account_id is None
    overrides = tso_reading.sales_type_overrides([{"productId": 149, "salesTypeId": 1, "accountNumber": 3050},
                                               {"salesTypeId": 2}, "x"])
    assert overrides == {1: 3050}
