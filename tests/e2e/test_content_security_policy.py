"""Every page works under the Content-Security-Policy: an admin signs in, filters the list, opens an
order, builds and sends one, looks at the submissions; someone else is locked out after wrong
passwords. The browser reports no violation (and no other error) on the way, and every answer
carries the policy, the Permissions-Policy and "no-store"."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and what it saw: every browser error and every answer of the dashboard."""
    seen = {"errors": [], "answers": []}
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
    page.on("pageerror", lambda error: seen["errors"].append(f"uncaught: {error}"))

    def note(response):
        if response.request.resource_type in ("document", "xhr", "fetch"):
            seen["answers"].append(response)

    page.on("response", note)
    return page, seen


def assert_all_clean(seen) -> None:
    """No browser error, and the headers on every answer of the dashboard."""
    assert seen["errors"] == []
    assert any(answer.request.resource_type == "xhr" for answer in seen["answers"])
    for response in seen["answers"]:
        headers = response.all_headers()
        where = f"{response.request.method} {response.url} ({response.status})"
        if response.request.resource_type == "document":
            policy = headers.get("content-security-policy", "")
            assert "script-src 'self'" in policy and "style-src 'self'" in policy, where
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
            assert "camera=()" in headers.get("permissions-policy", ""), where
        if not 300 <= response.status < 400:
            assert "no-store" in headers.get("cache-control", ""), where


def htmx_idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_every_page_runs_under_the_content_security_policy(watched, e2e_upstream, settings):
    page, seen = watched
    settings.LOGIN_FAILURE_DELAY = 0
    consultant = e2e_upstream.api("GET", "/products", params={"productNumber": "KON-1001"}).json()[0]
    admin = User.objects.create_user("ada", password="demo", first_name="Ada")
    admin.groups.add(Group.objects.get_or_create(name="Admins")[0])

    # Sign in.
    page.goto("/c/nordlys/orders/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/$"))
    # The address changes before the page has loaded: htmx wires its fields up on load, and a field typed
    # into before that sends nothing.
    page.wait_for_load_state("load")

    # The list: a status tab and a drop-down filter swap the table (htmx).
    table = page.locator("#order-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    page.get_by_role("link", name="Invoiced").click()
    expect(page).to_have_url(re.compile(r"status=Invoice"))
    page.get_by_label("Per page").select_option("10")
    expect(page).to_have_url(re.compile(r"page_size=10"))
    expect(table.locator("tbody tr")).to_have_count(10)
    # Typing an invoice number searches as you type (not on "change").
    page.get_by_label("Invoice no.").fill("1")
    expect(page).to_have_url(re.compile(r"invoice_number=1"))
    page.get_by_label("Invoice no.").fill("")
    htmx_idle(page)

    # An order.
    page.goto("/c/nordlys/orders/?status=Invoice")
    page.locator("a.order-link").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"Order #\d+"))).to_be_visible()

    # The builder: search and pick a customer and a product, type a quantity (the totals follow),
    # add a line, send it.
    page.get_by_role("link", name="New order").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/new/$"))
    page.wait_for_load_state()  # htmx set up
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Ærø")
    page.locator("#customer-results .picker__option").first.click()
    expect(page.locator("#id_customer_name")).to_have_value("Ærø Bøker AS")
    htmx_idle(page)
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator("#id_lines-0-product_query").fill(consultant["number"])
    page.locator("#line-0-products .picker__option").first.click()
    expect(page.locator("#id_lines-0-description")).to_have_value(consultant["name"])
    htmx_idle(page)
    totals = page.locator("#builder-totals")
    before = totals.inner_text()
    page.locator("#id_lines-0-quantity").fill("7")
    expect(totals).not_to_have_text(before)
    page.locator("#add-line").click()
    expect(page.locator("#line-1")).to_be_visible()
    htmx_idle(page)
    page.locator("button[name=remove_line][value='1']").click()
    expect(page.locator("#line-1")).to_have_count(0)
    htmx_idle(page)
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("was created in 24SevenOffice")

    # The submissions, as an admin.
    page.get_by_role("link", name="Submissions").click()
    expect(page).to_have_url(re.compile(r"/submissions/$"))
    page.locator("td a.order-link").first.click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"))

    # Signed out, someone guesses: the lockout page.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("guess")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")

    # The browser reports the lockout's 429 as an error: no other is allowed.
    seen["errors"] = [error for error in seen["errors"] if "status of 429" not in error]
    assert_all_clean(seen)
