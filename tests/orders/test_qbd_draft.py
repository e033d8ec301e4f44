"""The QuickBooks draft's data contract: what the builder stores is what the submission reads back."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from orders.domain import CustomField, PostalAddress, Ref
from orders.qbd_draft import QbLineDraft, QbOrderDraft, draft_from_data, draft_to_data


def test_a_draft_survives_its_data_unchanged():
    draft = QbOrderDraft(
        customer=Ref("80000001-1", "Lakeshore Diner:Catering"), date=dt.date(2026, 11, 30),
        due_date=dt.date(2026, 12, 30), number="SO-1", po_number="PO 77", fob="Dock 4", memo="Ring first",
        refs={"terms": Ref("T1", "Net 30"), "item_sales_tax": Ref("X1", "Cook County")},
        exchange_rate=Decimal("1.250000"),
        billing_address=PostalAddress(lines=("Lakeshore Diner", "12 Pier St"), city="Chicago", region="IL",
                                      postal_code="60601", country="US"),
        custom_fields=(CustomField("Region", "North"),),
        lines=(
            QbLineDraft(item=Ref("I1", "Coffee"), quantity=Decimal("2"), rate=Decimal("12.50"),
                        tax_code=Ref("TAX", "Tax"), class_ref=Ref("C1", "Retail")),
            QbLineDraft(item=Ref("G1", "Breakfast kit"), kind="group", quantity=Decimal("1"),
                        sub_lines=(QbLineDraft(item=Ref("I2", "Mug"), quantity=Decimal("3"), rate=Decimal("4")),)),
            QbLineDraft(item=Ref("D1", "Loyalty 10%"), kind="discount", rate_percent=Decimal("-10")),
        ),
    )
    assert draft_from_data(draft_to_data(draft)) == draft


def test_unreadable_values_are_left_empty_rather_than_raising():
    draft = draft_from_data({"customer_id": "C1", "date": "someday", "exchange_rate": "NaN",
                             "lines": [{"item_id": "I1", "quantity": "two"}, "junk"], "custom_fields": "x"})
    assert draft.customer == Ref("C1")
    assert draft.exchange_rate is None
    assert draft.lines == (QbLineDraft(item=Ref("I1")),)


def test_data_without_a_date_is_dated_today_on_the_calendar_of_the_zone_it_is_read_in():
    """A sending reads it in the company's zone (``connections.using``); the server's own date is not the company's."""
    days = set()
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # UTC+14 and UTC-12: never the same day
        with timezone.override(ZoneInfo(zone)):
            day = draft_from_data({}).date
            assert day == timezone.localdate()
            days.add(day)
    assert len(days) == 2
