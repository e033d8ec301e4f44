"""A builder page that outlives its sign-in: the user signed out in another tab (or their session ended),
signed in again there, or sent a form larger than the dashboard takes. The page stays as it is, with what
was typed, and says what happened; when the user is signed in again, its forms go through."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Held, htmx_idle, log_in

pytestmark = pytest.mark.e2e

NEW = "/c/nordlys/orders/new/"


def start_an_order(page) -> None:
    log_in(page, "nora", start=NEW)
    page.get_by_label("Your reference").fill("Kari Kontakt")
    page.locator("#id_lines-0-description").fill("Typed before the sign-in changed")


def in_another_tab(page, *, sign_in_again: bool) -> None:
    """Sign out (and in again) as another tab of the same browser would: the same cookies, from outside
    this page (through the browser context's requests, which share its cookies)."""
    request = page.context.request

    def csrf() -> str:
        return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")

    assert request.post("/accounts/logout/", form={"csrfmiddlewaretoken": csrf()}, max_redirects=0).status == 302
    if sign_in_again:
        form = request.get("/accounts/login/").text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        signed_in = request.post("/accounts/login/", max_redirects=0, form={
            "username": "nora", "password": "demo", "csrfmiddlewaretoken": token})
        assert signed_in.status == 302, signed_in.text()


def assert_kept(page) -> None:
    expect(page).to_have_url(re.compile(re.escape(NEW) + "$"))
    expect(page.get_by_label("Your reference")).to_have_value("Kari Kontakt")
    expect(page.locator("#id_lines-0-description")).to_have_value("Typed before the sign-in changed")


def test_signed_out_in_another_tab_the_page_says_so_and_keeps_what_was_typed(page, e2e_upstream):
    start_an_order(page)
    in_another_tab(page, sign_in_again=False)

    page.locator("#add-line").click()

    expect(page.get_by_role("alert").filter(has_text="You are signed out")).to_contain_text(
        "Nothing was sent, and what you typed is still here")
    assert_kept(page)
    expect(page.get_by_label("Password")).to_have_count(0)  # no sign-in page swapped into the builder
    expect(page.locator("#line-1")).to_have_count(0)


def test_signed_in_again_in_another_tab_the_pages_forms_still_go_through(page, e2e_upstream):
    start_an_order(page)
    in_another_tab(page, sign_in_again=True)  # Django gives the new sign-in a new CSRF token

    page.locator("#add-line").click()

    expect(page.locator("#line-1")).to_be_visible()
    htmx_idle(page)
    assert_kept(page)
    expect(page.locator("#request-problem")).to_have_count(0)


def test_a_form_larger_than_the_dashboard_takes_is_refused_in_place(page, e2e_upstream, settings):
    start_an_order(page)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20  # the builder sends more than this

    page.locator("#add-line").click()

    expect(page.get_by_role("alert").filter(has_text="could not take this form (HTTP 400)")).to_be_visible()
    assert_kept(page)


def test_a_status_change_while_the_erp_is_down_ends_on_the_orders_page_saying_so(page, e2e_upstream):
    order = e2e_upstream.api("POST", "/salesorders", json={"customer": {"id": 10006, "name": "Test kunde"}, "status": "Draft"}).json()
    order_page = f"/c/nordlys/orders/{order['id']}/"
    log_in(page, "nora", start=order_page)
    page.get_by_role("button", name="Set to Proposal…").click()
    expect(page.get_by_role("button", name="Yes, set it to Proposal")).to_be_visible()
    page.reload()  # the confirmation's address leads back to the order, not to a bare 405
    expect(page).to_have_url(re.compile(re.escape(order_page) + "$"))
    page.get_by_role("button", name="Set to Proposal…").click()
    e2e_upstream.configure(failure_rate=1.0)
    try:
        page.get_by_role("button", name="Yes, set it to Proposal").click()
        expect(page.get_by_role("heading", name="The ERP is not answering")).to_be_visible()
        expect(page).to_have_url(re.compile(re.escape(order_page) + r"\?action="))
    finally:
        e2e_upstream.configure(failure_rate=0.0)
    page.reload()
    expect(page.locator(".action-outcome")).to_contain_text("Nothing was changed")
    assert e2e_upstream.api("GET", f"/salesorders/{order['id']}").json()["status"] == "Draft"


@pytest.mark.parametrize("width", [1280, 1000])  # the header on one row, and wrapped
def test_a_message_scrolled_to_is_not_hidden_under_the_header(page, e2e_upstream, width):
    """At desktop widths the header stays on top: the signed-out message above the form was scrolled under it."""
    page.set_viewport_size({"width": width, "height": 720})
    start_an_order(page)
    in_another_tab(page, sign_in_again=False)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    page.locator("#builder-submit").click()

    problem = page.locator("#request-problem")
    expect(problem).to_contain_text("You are signed out")
    header, box = page.locator(".topbar").bounding_box(), problem.bounding_box()
    assert box["y"] >= header["y"] + header["height"], (box, header)


def test_yes_on_a_confirmation_says_it_is_asking_and_takes_no_second_press(page, e2e_upstream):
    order_id = e2e_upstream.api("GET", "/salesorders", params={"status": "Draft", "limit": 1}).json()[0]["id"]
    log_in(page, "nora", start=f"/c/nordlys/orders/{order_id}/")
    held = Held(page, re.compile(r"/status/$"), "confirm=1")
    page.get_by_role("button", name="Set to Confirmed…").click()
    yes = page.locator(".confirm-form button[type=submit]")
    expect(yes).to_have_accessible_name("Yes, set it to Confirmed")
    yes.click()
    held.wait()

    expect(yes).to_be_disabled()
    expect(yes).to_have_accessible_name("Asking 24SevenOffice…")  # what it shows is what it is called
    held.release()
    expect(page.locator(".action-outcome")).to_contain_text("Set the status to Confirmed: done")
