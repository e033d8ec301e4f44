"""axe-core finds no violation (WCAG 2.x A and AA, and its best practices) on any page, in any state a
user meets it, as a sales person and as an admin where the page differs: signing in, the lockout, the
order list (each status tab, filters with errors, nothing found, the ERP failing, a stale page link),
an order (its customer changed, its customer unavailable, unknown, the ERP failing), the builder (new,
with errors, searching and picking, each banner of a stored submission, the ERP's lists unavailable),
the admins' submissions (QuickBooks ones in each state too), the error pages, and a QuickBooks company's list
(the first sync, each tab, filters with errors, refreshing, QuickBooks unreachable).

The same states are checked for valid HTML by ``tests/orders/test_valid_html.py``.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from orders import services
from orders.domain import STATUS_LABELS
from orders.models import Submission

pytestmark = pytest.mark.e2e


def make_user(username: str, group: str) -> User:
    user = User.objects.create_user(username, password="demo", first_name=username.title(), last_name="Tester")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def signed_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sign_in(page, live_server, client: Client) -> None:
    """The browser takes the session of a signed-in Django test client."""
    page.context.clear_cookies()
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def htmx_idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


class Checks:
    """Runs axe on each state and keeps every failure, so that one run reports them all."""

    def __init__(self, page, assert_accessible):
        self.page, self.assert_accessible, self.failures, self.count = page, assert_accessible, [], 0

    def __call__(self, what: str) -> None:
        self.count += 1
        try:
            self.assert_accessible(self.page, what)
        except AssertionError as failure:
            self.failures.append(str(failure))

    def assert_none_failed(self) -> None:
        assert not self.failures, f"{len(self.failures)} of {self.count} states:\n\n" + "\n\n".join(self.failures)


@pytest.fixture
def checks(page, assert_accessible):
    # A stored submission's banner looks again by itself after a second: keep it in the state checked.
    page.route(re.compile(r"/check/$"), lambda route: route.abort())
    return Checks(page, assert_accessible)


def test_signing_in_and_the_lockout(page, checks, settings):
    settings.LOGIN_FAILURE_DELAY = 0
    make_user("kari", "Sales")
    page.goto("/c/nordlys/orders/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    checks("sign in")
    page.get_by_label("Username").fill("kari")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    checks("sign in, a wrong password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    checks("sign-in paused")
    checks.assert_none_failed()


def test_the_order_list_and_an_order(page, live_server, checks, e2e_upstream, sample_orders):
    sandbox = e2e_upstream
    sales, admin = signed_in_client(make_user("kari", "Sales")), signed_in_client(make_user("ada", "Admins"))
    sign_in(page, live_server, sales)
    table = page.locator("#order-table")

    page.goto("/c/nordlys/orders/")
    expect(table.locator("tbody tr").first).to_be_visible()
    checks("list")
    for status in services.STATUS_FILTERS:
        page.get_by_role("navigation", name="Order status").get_by_role("link", name=STATUS_LABELS[status]).click()
        expect(page).to_have_url(re.compile(rf"status={status}"))
        htmx_idle(page)
        checks(f"list, tab {STATUS_LABELS[status]}")
    page.get_by_label("Per page").select_option("10")
    expect(table.locator("tbody tr")).to_have_count(10)
    htmx_idle(page)
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_url(re.compile("cursor="))
    htmx_idle(page)
    checks("list, second page")
    page.goto("/c/nordlys/orders/?status=Inactive")
    checks("list, an old Inactive link")
    page.goto("/c/nordlys/orders/?date_from=2026-03-01&date_to=2026-01-01&modified_since=junk")
    expect(page.locator(".field__error:visible").first).to_be_visible()
    checks("list, filters with errors")
    page.goto("/c/nordlys/orders/?invoice_number=987654321")
    expect(page.get_by_role("heading", name="No orders match these filters")).to_be_visible()
    checks("list, nothing found")
    page.goto("/c/nordlys/orders/?cursor=junk")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("list, a page link no longer valid")
    sandbox.fault("GET /salesorders", "503", count=10, retry_after=0)
    page.goto("/c/nordlys/orders/")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("list, the ERP failing")
    sandbox.clear_faults()
    cache.clear()
    sandbox.fault("GET /customers", "503", count=10, retry_after=0)
    page.goto("/c/nordlys/orders/?customer=10024")
    checks("list, the customer list unavailable")
    sandbox.clear_faults()

    plain, changed = sample_orders["plain"], sample_orders["customer_changed"]
    page.goto(f"/c/nordlys/orders/{plain}/")
    expect(page.get_by_role("heading", name=f"Order #{plain}")).to_be_visible()
    checks("order")
    page.goto(f"/c/nordlys/orders/{changed}/")
    expect(page.locator(".is-changed").first).to_be_visible()
    checks("order, customer changed")
    page.goto(f"/c/nordlys/orders/{sample_orders['foreign']}/")
    checks("order, another currency")
    cache.clear()
    sandbox.fault("GET /customers/*", "503", count=10, retry_after=0)
    page.goto(f"/c/nordlys/orders/{plain}/")
    expect(page.get_by_role("note").first).to_be_visible()
    checks("order, the customer's record unavailable")
    sandbox.clear_faults()
    page.goto("/c/nordlys/orders/99999999/")
    checks("order, unknown (404)")
    sandbox.fault("GET /salesorders/*", "503", count=10, retry_after=0)
    page.goto(f"/c/nordlys/orders/{plain}/")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("order, the ERP failing")
    sandbox.clear_faults()
    page.goto("/submissions/")
    checks("403, a sales person on the submissions")
    page.goto("/no-such-page/")
    checks("404")

    # An admin sees trace ids, the upstream data and the submissions.
    sign_in(page, live_server, admin)
    page.goto("/c/nordlys/orders/")
    expect(table.locator("tbody tr").first).to_be_visible()
    checks("list (admin)")
    page.goto(f"/c/nordlys/orders/{plain}/")
    page.get_by_text("Upstream data").click()
    checks("order (admin, upstream data open)")
    sandbox.fault("GET /salesorders/*", "503", count=10, retry_after=0)
    page.goto(f"/c/nordlys/orders/{plain}/")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("order, the ERP failing (admin)")
    sandbox.clear_faults()
    checks.assert_none_failed()


def test_a_quickbooks_order(page, live_server, checks, qbd_upstream, qbd_sample_orders, qbd_tampered):
    from django.core.cache import cache

    from orders.models import ErpConnection
    from orders.services import index
    from tests.conftest import qbd_index_copy

    autofy, qbd = qbd_upstream, qbd_sample_orders
    group = qbd["group"]["ID"]
    sales, admin = signed_in_client(make_user("kari", "Sales")), signed_in_client(make_user("ada", "Admins"))
    sign_in(page, live_server, sales)
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.locator(".line--sub").first).to_be_visible()
    checks("QuickBooks order, a group and a closed line")
    page.goto(f"/c/lakeshore/orders/{qbd['foreign']['ID']}/")
    checks("QuickBooks order, in CAD")
    page.goto(f"/c/lakeshore/orders/{qbd['moved']['ID']}/")
    expect(page.locator(".is-changed").first).to_be_visible()
    checks("QuickBooks order, addresses differ")
    autofy.autofy_fault("GET /Customer/*", "503", count=5, code=1303, retry_after=0)
    cache.clear()  # the customer's record was kept from the first look
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.get_by_role("note").first).to_be_visible()
    checks("QuickBooks order, the customer's record unavailable")
    autofy.clear_faults()
    page.goto("/c/lakeshore/orders/FFFF-1234567890/")
    checks("QuickBooks order, unknown (404)")
    autofy.autofy_fault(f"GET /SalesOrder/{group}", "malformed", count=5)
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("QuickBooks order, an answer that cannot be read")
    autofy.clear_faults()
    autofy.autofy_configure(agent_offline=True)
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.get_by_role("alert")).to_be_visible()
    checks("QuickBooks order, offline without a copy")
    index.upsert(ErpConnection.objects.get(slug="lakeshore"), [qbd_index_copy(qbd["group"])])
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.get_by_role("status")).to_be_visible()
    checks("QuickBooks order, offline: the index's copy")
    autofy.autofy_configure(agent_offline=False)

    sign_in(page, live_server, admin)
    qbd_tampered(qbd["group"], SalesTaxAmount=0.01)
    page.goto(f"/c/lakeshore/orders/{group}/")
    expect(page.locator(".totals-warning")).to_be_visible()
    page.get_by_text("Upstream data").click()
    checks("QuickBooks order (admin, totals do not match, upstream data open)")
    autofy.autofy_configure(agent_offline=True)
    page.goto(f"/c/lakeshore/orders/{group}/")
    checks("QuickBooks order, offline: the index's copy (admin)")
    autofy.autofy_configure(agent_offline=False)
    checks.assert_none_failed()


def test_the_quickbooks_order_list(page, live_server, checks, quickbooks, monkeypatch):
    """A QuickBooks company's list (from its local index): the first sync, each tab, filters with errors,
    nothing found, a later page, refreshing, QuickBooks unreachable (as a sales person and an admin), an
    admin's refresh of the reference data."""
    from orders.services import index, qbd_references
    from orders.views import qbd_list

    monkeypatch.setattr(qbd_list, "REFRESH_WAIT_SECONDS", 0)  # no worker runs here: the refresh stays under way
    sales, admin = signed_in_client(make_user("kari", "Sales")), signed_in_client(make_user("ada", "Admins"))
    sign_in(page, live_server, sales)
    table = page.locator("#order-table")
    url = "/c/lakeshore/orders/"

    page.goto(url)
    expect(page.get_by_role("heading", name="QuickBooks orders are being read for the first time…").first).to_be_visible()
    checks("QuickBooks list, the first sync")
    quickbooks.sync()
    page.goto(url)
    expect(table.locator("tbody tr").first).to_be_visible()
    checks("QuickBooks list")
    for label in ("Open", "Partly invoiced", "Invoiced", "Closed"):
        page.get_by_role("navigation", name="Order status").get_by_role("link", name=re.compile(f"^{label}")).click()
        expect(page.locator(".tab--active")).to_contain_text(label)
        htmx_idle(page)
        checks(f"QuickBooks list, tab {label}")
    page.goto(f"{url}?page_size=10&page=2")
    expect(table.locator("tbody tr")).to_have_count(10)
    checks("QuickBooks list, second page")
    page.goto(f"{url}?date_from=2026-03-01&date_to=2026-01-01&modified_since=junk&number={'9' * 41}")
    expect(page.locator(".field__error:visible").first).to_be_visible()
    checks("QuickBooks list, filters with errors")
    page.goto(f"{url}?customer=Zzyzx")
    expect(page.get_by_role("heading", name="No orders match these filters")).to_be_visible()
    checks("QuickBooks list, nothing found")
    page.goto(url)
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#freshness")).to_contain_text("Refreshing…")
    htmx_idle(page)
    checks("QuickBooks list, refreshing")
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    assert index.sync(quickbooks.connection).error
    page.goto(url)
    expect(page.get_by_text("QuickBooks cannot be reached")).to_be_visible()
    checks("QuickBooks list, QuickBooks unreachable")
    sign_in(page, live_server, admin)
    page.goto(url)
    expect(page.get_by_text("Last error")).to_be_visible()
    checks("QuickBooks list, QuickBooks unreachable (admin)")
    quickbooks.sandbox.autofy_configure(agent_offline=False)
    qbd_references.sync_references(quickbooks.connection)
    page.goto(url)
    page.get_by_role("button", name="Read it all again").click()
    expect(page.get_by_text("A full sync was asked for just now.")).to_be_visible()
    checks("QuickBooks list, reference data: a full sync asked for (admin)")
    checks.assert_none_failed()


def test_the_builder(page, live_server, checks, e2e_upstream, sample_orders):
    sandbox = e2e_upstream
    sales = signed_in_client(make_user("kari", "Sales"))
    sign_in(page, live_server, sales)

    page.goto("/c/nordlys/orders/new/")
    expect(page.get_by_role("heading", name="New order")).to_be_visible()
    checks("builder, new")
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Fjord")
    expect(page.locator("#customer-results .picker__option").first).to_be_visible()
    checks("builder, customer search results")
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Zzyzx")
    expect(page.locator("#customer-results")).to_contain_text("No customers match")
    checks("builder, no customer found")
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Fjord")
    page.locator("#customer-results .picker__option").first.click()
    expect(page.locator("#id_customer_name")).not_to_have_value("")
    htmx_idle(page)
    checks("builder, a customer picked")
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator("#id_lines-0-product_query").fill("KON")
    expect(page.locator("#line-0-products .picker__option").first).to_be_visible()
    checks("builder, product search results")
    page.locator("#line-0-products .picker__option").first.click()
    expect(page.locator("#id_lines-0-description")).not_to_have_value("")
    htmx_idle(page)
    for line in (1, 2):
        page.locator("#add-line").click()
        expect(page.locator(f"#line-{line}")).to_be_visible()
        htmx_idle(page)
    page.locator("#id_lines-1-type").select_option("text")
    htmx_idle(page)
    page.locator("#add-dimension").click()
    expect(page.locator("#id_dimensions-0-dimension_type")).to_be_visible()
    htmx_idle(page)
    page.get_by_label("Deliver to the customer's address").uncheck()
    checks("builder, a product and a text line, a dimension, another delivery address")
    page.get_by_label("Status").select_option("Confirmed")
    page.locator("#id_lines-0-quantity").fill("x")
    page.locator("#builder-submit").click()
    expect(page.locator("#builder-errors")).to_be_visible()
    htmx_idle(page)
    checks("builder, with errors")
    page.goto(f"/c/nordlys/orders/new/?from={sample_orders['plain']}")
    checks("builder, a copy of an order")
    cache.clear()
    sandbox.fault("GET /taxes", "503", count=10, retry_after=0)
    page.goto("/c/nordlys/orders/new/")
    checks("builder, the ERP's lists unavailable")
    sandbox.clear_faults()
    checks.assert_none_failed()


def test_the_quickbooks_builder(page, live_server, checks, qbd_upstream, qbd_sample_orders, qbd_references_cached):
    sign_in(page, live_server, signed_in_client(make_user("kari", "Sales")))
    page.goto("/c/lakeshore/orders/new/")
    expect(page.get_by_role("heading", name="New order")).to_be_visible()
    checks("QuickBooks builder, new")
    page.get_by_label("Find a customer or job").fill("Maple")
    expect(page.locator("#customer-results .picker__option").first).to_be_visible()
    checks("QuickBooks builder, customer search results")
    page.locator("#customer-results .picker__option", has_text="Maple Leaf Builders Ltd").first.click()
    expect(page.locator("#id_exchange_rate")).to_be_visible()
    htmx_idle(page)
    checks("QuickBooks builder, a customer in CAD picked")
    for index, name in enumerate(("Workstation Bundle", "Volume Discount", "Subtotal", "Fuel Surcharge")):
        if index:
            page.locator("#add-line").click()
            expect(page.locator(f"#line-{index}")).to_be_visible()
            htmx_idle(page)
        page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
        page.locator(f"#id_lines-{index}-item_query").fill(name)
        expect(page.locator(f"#line-{index}-items .picker__option").first).to_be_visible()
        if index == 0:
            checks("QuickBooks builder, item search results")
        page.locator(f"#line-{index}-items .picker__option", has_text=name).first.click()
        expect(page.locator(f"#id_lines-{index}-item_query")).to_have_value(name)
        htmx_idle(page)
    checks("QuickBooks builder, a group, a discount, a subtotal and a surcharge")
    page.locator("#id_po_number").fill("P" * 30)
    page.locator("#id_lines-0-sub_lines-0-rate").fill("1.1234567")
    page.locator("#builder-submit").click()
    expect(page.locator("#builder-errors")).to_be_visible()
    htmx_idle(page)
    checks("QuickBooks builder, with errors")
    # Sent: QuickBooks refuses a date in its closed period; corrected, it waits for QuickBooks (agent off).
    page.locator("#id_po_number").fill("PO-1")
    page.locator("#id_lines-0-sub_lines-0-rate").fill("689")
    page.locator("#id_date").fill("2026-01-02")
    page.locator("#builder-submit").click()
    expect(page.locator("#builder-banner")).to_contain_text("QuickBooks refused the order")
    htmx_idle(page)
    checks("QuickBooks builder, refused by QuickBooks")
    qbd_upstream.autofy_configure(agent_offline=True)
    page.locator("#id_date").fill("2026-11-16")
    page.locator("#builder-submit").click()
    expect(page.locator("#builder-banner")).to_contain_text("Waiting for QuickBooks")
    htmx_idle(page)
    checks("QuickBooks builder, waiting for QuickBooks")
    qbd_upstream.autofy_configure(agent_offline=False)
    page.goto(f"/c/lakeshore/orders/new/?from={qbd_sample_orders['group']['ID']}")
    checks("QuickBooks builder, a copy of an order")
    checks.assert_none_failed()


def test_stored_submissions_and_the_admins_pages(page, live_server, checks, e2e_upstream, stored_submission):
    sales_user, admin_user = make_user("kari", "Sales"), make_user("ada", "Admins")
    sales, admin = signed_in_client(sales_user), signed_in_client(admin_user)

    sign_in(page, live_server, admin)
    page.goto("/submissions/failed/")
    expect(page.get_by_role("heading", name="No failed orders")).to_be_visible()
    checks("failed orders, none")
    page.goto("/submissions/")
    checks("submissions, none")

    kinds = ("rejected", "incomplete", "checking", "sending", "needs_attention", "closed", "succeeded")
    stored = {kind: stored_submission(sales, kind) for kind in kinds}
    banners = {"rejected": "failed", "incomplete": "failed", "checking": "checking", "sending": "sending",
               "needs_attention": "needs_attention"}
    for who, client in (("sales", sales), ("admin", admin)):
        sign_in(page, live_server, client)
        for kind, banner in banners.items():
            page.goto(f"/c/nordlys/orders/new/{stored[kind].public_id}/")
            expect(page.locator(f'#builder-banner[data-kind="{banner}"]')).to_be_visible()
            checks(f"builder, stored submission {kind} ({who})")

    page.goto("/submissions/")
    checks("submissions")
    page.get_by_role("link", name=re.compile("^Failed")).first.click()
    checks("submissions, tab failed")
    page.goto("/submissions/failed/")
    checks("failed orders")
    for kind in kinds:
        page.goto(f"/submissions/{stored[kind].public_id}/")
        for toggle in page.locator("summary").all():
            toggle.click()
        checks(f"submission {kind}")
    page.goto(f"/submissions/{stored['needs_attention'].public_id}/")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#id_close_note_error")).not_to_be_empty()
    checks("submission, closed without a note")
    Submission.objects.all().delete()
    checks.assert_none_failed()


def test_quickbooks_submissions(page, live_server, checks, qbd_stored_submission, quickbooks):
    from tests.conftest import QBD_STORED_SUBMISSIONS

    sales_user, admin_user = make_user("kari", "Sales"), make_user("ada", "Admins")
    stored = {kind: qbd_stored_submission(sales_user, kind) for kind in QBD_STORED_SUBMISSIONS}
    sign_in(page, live_server, signed_in_client(admin_user))
    for kind in QBD_STORED_SUBMISSIONS:
        page.goto(f"/submissions/{stored[kind].public_id}/")
        for toggle in page.locator("summary").all():
            toggle.click()
        checks(f"QuickBooks submission {kind}")
    page.goto(f"/submissions/{stored['waiting'].public_id}/")
    expect(page.get_by_role("status")).to_contain_text("Waiting for QuickBooks")
    page.goto("/submissions/?state=waiting")
    checks("submissions, tab waiting for QuickBooks")
    page.goto("/submissions/failed/")
    expect(page.get_by_text("Not counted here")).to_be_visible()
    checks("failed orders, some waiting for QuickBooks")
    page.goto(f"/submissions/{stored['waiting'].public_id}/")
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Sent: it is order")).to_be_visible()
    checks("QuickBooks submission sent now")
    Submission.objects.all().delete()
    checks.assert_none_failed()


def test_acting_on_orders(page, live_server, checks, e2e_upstream, qbd_upstream, settings, seed_restored):
    """Order actions with htmx: the status buttons, the confirmation, NoLines in place and the timeline;
    a QuickBooks order's close/reopen form and its outcome."""
    from tests.orders.test_order_actions import qbd_order, tso_order

    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    admin = signed_in_client(make_user("ada", "Admins"))
    sign_in(page, live_server, admin)
    order_id = tso_order(e2e_upstream, lines=0)
    page.goto(f"/c/nordlys/orders/{order_id}/")
    checks("24SevenOffice order, status buttons")
    page.get_by_role("button", name="Set to Invoiced…").click()
    expect(page.get_by_role("heading", name=re.compile("to Invoiced"))).to_be_visible()
    checks("24SevenOffice, confirmation")
    page.get_by_role("button", name="Yes, set it to Invoiced").click()
    expect(page.get_by_role("alert")).to_contain_text("at least one line")
    checks("24SevenOffice, NoLines in place and the timeline")
    order = qbd_order(qbd_upstream)
    page.goto(f"/c/lakeshore/orders/{order['ID']}/")
    checks("QuickBooks order, close and reopen")
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Close the ticked lines…").click()
    page.get_by_role("button", name="Yes, close them").click()
    expect(page.get_by_role("status").first).to_contain_text("done")
    checks("QuickBooks, a line closed")
    checks.assert_none_failed()
