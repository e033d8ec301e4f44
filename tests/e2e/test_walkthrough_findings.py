"""What a new user found walking through the dashboard, as they would notice it in the browser: a copy
that shipped to the old customer, a typed discount that vanished, the dashboard's marker in the memo,
amounts blanked while typing, several contradicting sentences after a lost answer, failed orders that
admins could not find, and money written two ways."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Submission
from tests.e2e.helpers import htmx_idle, log_in, pick_product

pytestmark = pytest.mark.e2e

CUSTOMER_ID = 10006  # Fjordkraft Installasjon AS in the seeded sandbox


def consultant(sandbox) -> dict:
    return sandbox.api("GET", "/products", params={"productNumber": "KON-1001"}).json()[0]  # 1 450.00 NOK


def pick_customer(page, query: str, name: str) -> None:
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill(query)
    page.locator("#customer-results .picker__option").first.click()
    expect(page.locator("#id_customer_name")).to_have_value(name)
    htmx_idle(page)


def test_a_copy_keeps_shipping_to_the_customer_and_another_customer_takes_it_along(page, e2e_upstream):
    customer = e2e_upstream.api("GET", f"/customers/{CUSTOMER_ID}").json()
    address = customer["address"]["billing"] or customer["address"]["postal"]
    street = address["street"] if isinstance(address["street"], str) else address["street"][0]
    order = e2e_upstream.api("POST", "/salesorders", json={
        "customer": {"id": CUSTOMER_ID, "name": customer["name"], "street": street,
                     "postalCode": address["postalCode"], "countryCode": "NO"},
        "deliveryCustomer": {"name": customer["name"], "street": street, "postalCode": address["postalCode"],
                             "countryCode": "NO"},
        "yourReference": {"name": "Kari Kontakt"},
    }).json()
    log_in(page, "nora", start=f"/c/nordlys/orders/{order['id']}/")

    page.get_by_role("link", name="Duplicate").click()

    same = page.get_by_label("Deliver to the customer's address")
    expect(same).to_be_checked()
    expect(page.get_by_label("Your reference")).to_have_value("Kari Kontakt")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    expect(same).to_be_checked()
    expect(page.get_by_label("Your reference")).to_have_value("")
    expect(page.locator("#builder-customer")).to_contain_text(
        "“Your reference” (Kari Kontakt, Fjordkraft Installasjon AS's contact) was cleared")


def test_a_discount_typed_on_an_empty_line_is_kept_and_explained(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    page.locator("#id_lines-0-discount_rate").fill("150")

    page.locator("#builder-submit").click()

    htmx_idle(page)
    expect(page.locator("#id_lines-0-discount_rate")).to_have_value("150")
    expect(page.locator("#id_lines-0-discount_rate_error")).to_have_text("A discount is between 0 and 100 %.")
    expect(page.locator("#id_lines-0-product_id_error")).to_contain_text("Choose a product")
    assert not Submission.objects.exists()


def test_typing_a_wrong_discount_keeps_the_figures_and_says_why_in_one_line(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_product(page, 0, consultant(e2e_upstream))
    htmx_idle(page)
    amounts = page.locator("#line-0-amounts")
    expect(amounts).to_contain_text("1,812.50")
    # Money reads the same in the input as everywhere else.
    expect(page.locator("#id_lines-0-price")).to_have_value("1,450.00")

    page.locator("#id_lines-0-discount_rate").fill("150")

    message = page.locator("#id_lines-0-discount_rate_error")
    expect(message).to_have_text("A discount is between 0 and 100 %.")
    expect(amounts).to_contain_text("1,812.50")  # the last valid figures stay
    expect(page.locator("#builder-grand-total")).to_contain_text("1,812.50")
    box = message.bounding_box()
    assert box and box["height"] < 2 * 18, "the message wraps instead of reading as one line"
    page.locator("#id_lines-0-discount_rate").fill("10")
    expect(message).to_have_text("")
    expect(amounts).to_contain_text("1,631.25")


def test_an_answer_that_arrives_after_the_number_was_corrected_does_not_bring_its_message_back(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_product(page, 0, consultant(e2e_upstream))
    htmx_idle(page)
    held = []  # the recalculation for "150", answered only once the discount is corrected

    def hold_the_first_recalculation(route):
        if not held and "recalculate=1" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/orders/new/$"), hold_the_first_recalculation)
    discount = page.locator("#id_lines-0-discount_rate")
    discount.fill("150")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the recalculation for 150 % never left"
    discount.fill("10")
    page.wait_for_timeout(400)  # its own recalculation is queued behind the held one

    held[0].continue_()

    expect(page.locator("#line-0-amounts")).to_contain_text("1,631.25")
    htmx_idle(page)
    expect(page.locator("#id_lines-0-discount_rate_error")).to_have_text("")
    expect(discount).to_have_value("10")


def test_a_quantity_that_could_be_two_or_two_thousand_is_asked_about_while_typing(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_product(page, 0, consultant(e2e_upstream))
    htmx_idle(page)
    quantity = page.locator("#id_lines-0-quantity")
    quantity.fill("2,000")
    expect(page.locator("#id_lines-0-quantity_error")).to_have_text("2000 or 2? Type the one you mean.")
    expect(quantity).to_have_value("2,000")
    quantity.fill("2000")
    expect(page.locator("#line-0-amounts")).to_contain_text("3,625,000.00")  # 2000 × 1,450.00 + 25 %
    expect(page.locator("#id_lines-0-quantity_error")).to_have_text("")


def test_an_order_date_years_away_is_remarked_on_while_it_is_typed(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    note = page.locator("#id_date_note")
    expect(note).to_have_text("")
    today = timezone.localdate()  # the dashboard's calendar, as the page's
    page.locator("#id_date").fill(dt.date(today.year - 10, today.month, 1).isoformat())
    expect(note).to_have_text("That is 10 years ago: is the year right?")
    expect(note).to_be_visible()
    page.locator("#id_date").fill((today - dt.timedelta(days=1)).isoformat())
    expect(note).to_have_text("")
    expect(note).to_be_hidden()


@pytest.mark.parametrize(("field", "typed"), [("quantity", "٣"), ("price", "1e999")])
def test_a_number_that_cannot_be_used_is_said_while_typing_and_the_figures_stay(page, e2e_upstream, field, typed):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_product(page, 0, consultant(e2e_upstream))
    htmx_idle(page)
    amounts = page.locator("#line-0-amounts")
    expect(amounts).to_contain_text("1,812.50")

    page.locator(f"#id_lines-0-{field}").fill(typed)

    expect(page.locator(f"#id_lines-0-{field}_error")).not_to_have_text("")  # before Create order
    expect(amounts).to_contain_text("1,812.50")
    expect(page.locator("#builder-grand-total")).to_contain_text("1,812.50")


def test_the_dashboards_marker_does_not_show_in_the_memo(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    pick_product(page, 0, consultant(e2e_upstream))
    page.get_by_label("Internal memo").fill("Ring før levering")
    expect(page.locator("[data-count-for='id_internal_memo']")).to_contain_text("17 / 262 characters")
    expect(page.locator("#builder")).to_contain_text("the dashboard uses 38 of them to recognise the orders it sent")
    htmx_idle(page)

    page.locator("#builder-submit").click()

    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"))
    memo = page.locator(".internal-memo")
    expect(memo).to_contain_text("Ring før levering")
    expect(memo).not_to_contain_text("[sa:")


def test_a_lost_answer_is_one_sentence_and_the_page_finishes_by_itself(page, e2e_upstream, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 1}
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    pick_product(page, 0, consultant(e2e_upstream))
    e2e_upstream.fault("POST /salesorders", "drop_after_commit")

    page.locator("#builder-submit").click()

    banner = page.locator("#builder-banner")
    expect(banner).to_contain_text("Checking with 24SevenOffice")
    expect(banner).to_contain_text("This page updates by itself.")
    for contradiction in ("did not reach", "has not reached", "Try again"):
        expect(page.locator("#builder-body")).not_to_contain_text(contradiction)
    expect(page.locator("#builder-submit")).to_have_count(0)  # nothing to press: the page checks itself
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"), timeout=15_000)
    expect(page.locator(".messages")).to_contain_text("was created in 24SevenOffice with 1 line")
    assert Submission.objects.get().state == Submission.State.SUCCEEDED


def test_admins_find_failed_orders_in_the_navigation(page, browser, live_server, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    pick_product(page, 0, consultant(e2e_upstream))
    e2e_upstream.fault("POST /salesorders", "503")
    page.locator("#builder-submit").click()
    expect(page.locator("#builder-banner")).to_contain_text("The order did not reach 24SevenOffice")

    admin = browser.new_context(base_url=live_server.url).new_page()
    try:
        log_in(admin, "ada", group="Admins")
        failed = admin.get_by_role("link", name=re.compile(r"^Failed orders 1"))
        expect(failed).to_be_visible()
        failed.click()
        expect(admin.get_by_role("heading", name="Failed orders")).to_be_visible()
        expect(admin.locator("table")).to_contain_text("Ærø Bøker AS")
    finally:
        admin.context.close()


def test_messages_of_neighbouring_fields_on_a_line_never_overlap(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    page.get_by_label("Line 1 quantity").fill("abc")
    page.get_by_label("Line 1 unit price").fill("xyz")
    htmx_idle(page)

    page.locator("#builder-submit").click()
    expect(page.locator("#builder-errors")).to_be_visible()
    htmx_idle(page)  # the form as sent back, and no answer to a change before it still on its way

    messages = [page.locator(f"#id_lines-0-{name}_error") for name in ("product_id", "description", "quantity", "price")]
    for message in messages:
        expect(message).not_to_be_empty()
        expect(message).to_be_visible()
    boxes = [message.bounding_box() for message in messages]
    for (one, box), (other, next_box) in zip(zip(messages, boxes), list(zip(messages, boxes))[1:]):
        overlap = min(box["x"] + box["width"], next_box["x"] + next_box["width"]) - max(box["x"], next_box["x"])
        rows = min(box["y"] + box["height"], next_box["y"] + next_box["height"]) - max(box["y"], next_box["y"])
        assert overlap <= 0 or rows <= 0, f"{one} runs into {other}: {box} {next_box}"


def test_a_message_goes_once_its_field_is_typed_in_again(page, e2e_upstream):
    log_in(page, "nora", start="/c/nordlys/orders/new/")
    pick_customer(page, "Ærø", "Ærø Bøker AS")
    pick_product(page, 0, consultant(e2e_upstream))
    page.locator("#id_customer_name").fill("")
    htmx_idle(page)
    page.locator("#builder-submit").click()
    name_message = page.locator("#id_customer_name_error")
    expect(name_message).not_to_be_empty()
    expect(page.locator("#id_customer_name")).to_have_attribute("aria-invalid", "true")

    page.locator("#id_customer_name").fill("Ærø Bøker AS")

    expect(name_message).to_be_empty()
    expect(page.locator("#id_customer_name")).not_to_have_attribute("aria-invalid", "true")
    # Sent again as corrected: no message comes back.
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"))
