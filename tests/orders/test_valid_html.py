"""Every page, in every state a user can meet, is valid HTML: the Nu HTML Checker (vnu.jar from npm, run
once on Java for all documents) finds no error. htmx fragments that are whole
elements are checked too, inside a minimal document. Warnings are printed, not failed.

The states are those of the browser accessibility test (``tests/e2e/test_accessibility.py``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client

from orders import services
from orders.models import ErpConnection, OrderAction, Submission
from orders.services import index
from tests.conftest import qbd_index_copy as index_copy

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FRAGMENT = ('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Fragment</title></head>'
            "<body>\n{}\n</body></html>")


REPO = Path(__file__).resolve().parents[2]
# The Nu HTML Checker, from the npm package the checker's authors publish (package.json; `make test`
# installs it with `npm ci`).
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validate(documents: dict[str, str], directory: Path) -> list[dict]:
    """The checker's messages for every document (one Java start), each with its document's name."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail(f"The Nu HTML Checker needs Java and {VNU_JAR.relative_to(REPO)}: `make test` installs both.")
    names = {}
    for number, (name, content) in enumerate(documents.items()):
        path = directory / f"{number:03}.html"
        path.write_text(content, encoding="utf-8")
        names[path.name] = name
    result = subprocess.run(
        [java, "-Xss1m", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *sorted(str(p) for p in directory.iterdir())],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr or result.stdout
    messages = json.loads(result.stdout)["messages"]
    for message in messages:
        url = message.get("url", "")
        message["document"] = names.get(url.rsplit("/", 1)[-1], url)
    return messages


def describe(message: dict) -> str:
    where = f"{message['document']} line {message.get('lastLine', '?')}"
    return f"{where}: {message.get('message')}\n    {message.get('extract', '').strip()}"


def page(client: Client, url: str, status: int = 200, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def fragment(client: Client, url: str, data: dict | None = None, method: str = "get", headers=None) -> str:
    response = getattr(client, method)(url, data or {}, headers=headers, **HTMX)
    assert response.status_code == 200, (url, response.status_code)
    return FRAGMENT.format(response.content.decode())


def post(client: Client, url: str, data: dict, status: int = 200) -> str:
    response = client.post(url, data)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def builder_post(client: Client, button: str, value: str = "", **changes) -> dict:
    """The new-order form as first shown, with ``changes``, and ``button`` pressed."""
    body = page(client, "/c/nordlys/orders/new/")
    form = dict(re.findall(r'<input type="hidden" name="(token|csrfmiddlewaretoken)" value="([^"]*)"', body))
    form.update({"date": "2026-11-16", "status": "Draft", "currency_code": "NOK", "currency_rate": "1",
                 "delivery_same_as_customer": "on", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
                 "lines-0-type": "product", "lines-0-quantity": "1", "lines-0-tax_id": "1",
                 "dimensions-TOTAL_FORMS": "0", "dimensions-INITIAL_FORMS": "0"})
    form.update(changes)
    form[button] = value
    return form


def quickbooks_list_states(sales_client: Client, admin_client: Client, quickbooks) -> dict[str, str]:
    """The QuickBooks company's order list (from its local index) in each of its states."""
    from orders.models import IndexSyncState, ReferenceSyncState
    from orders.services import index, qbd_references
    from orders.views import qbd_list

    docs = {}
    url = "/c/lakeshore/orders/"
    docs["QuickBooks list, first sync"] = page(sales_client, url)
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    index.sync(quickbooks.connection)
    docs["QuickBooks list, first sync failed (admin)"] = page(admin_client, url)
    quickbooks.sandbox.autofy_configure(agent_offline=False)
    quickbooks.sync()
    for who, client in (("sales", sales_client), ("admin", admin_client)):
        docs[f"QuickBooks list ({who})"] = page(client, url)
    qbd_references.sync_references(quickbooks.connection)
    admin_client.post(f"{url}references/refresh/")
    docs["QuickBooks list, reference data: a full sync asked for (admin)"] = page(admin_client, url)
    for state in ("open", "partly_invoiced", "invoiced", "closed"):
        docs[f"QuickBooks list, tab {state}"] = page(sales_client, f"{url}?status={state}")
    docs["QuickBooks list, filters with errors"] = page(
        sales_client, f"{url}?date_from=2026-03-01&date_to=2026-01-01&modified_since=junk&number={'9' * 41}&status=x")
    docs["QuickBooks list, a customer typed, page 2"] = page(sales_client, f"{url}?customer=Addison&page_size=10&page=2")
    docs["QuickBooks list, nothing found"] = page(sales_client, f"{url}?po_number=no-such-po")
    docs["QuickBooks list, past the last page"] = page(sales_client, f"{url}?page=999")
    docs["QuickBooks list, swapped table (htmx)"] = fragment(sales_client, url, {"status": "open", "date_from": "junk"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qbd_list, "REFRESH_WAIT_SECONDS", 0)
        sales_client.post(url, {"refresh": "1"})
        docs["QuickBooks list, refreshing"] = page(sales_client, url)
        docs["QuickBooks list, refreshing, its poll (htmx)"] = fragment(
            sales_client, url, {}, headers={"HX-Target": "freshness"})
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    index.sync(quickbooks.connection)
    IndexSyncState.objects.filter(connection=quickbooks.connection).update(last_error="QuickBooks is not reachable & <off>")
    qbd_references.sync_references(quickbooks.connection)
    ReferenceSyncState.objects.filter(connection=quickbooks.connection).update(last_error="Not reachable & <off>")
    for who, client in (("sales", sales_client), ("admin", admin_client)):
        docs[f"QuickBooks list, QuickBooks unreachable ({who})"] = page(client, url)
    quickbooks.sandbox.autofy_configure(agent_offline=False)
    return docs


def quickbooks_builder_states(client: Client, order_id: str, sandbox) -> dict[str, str]:
    """The QuickBooks company's builder: new, a customer (in another currency) and items of every kind picked,
    with errors, a copy of an order, its htmx answers, and an order QuickBooks refused or waits for."""
    from tests.orders.test_qbd_builder import NEW, build, form_of, press

    connection = ErpConnection.objects.get(slug="lakeshore")
    docs = {"QuickBooks builder, new": page(client, NEW)}
    built = build(client, connection, "Maple Leaf Builders Ltd", "Workstation Bundle", "Task Chair TC-100",
                  "Volume Discount", "Subtotal", "Fuel Surcharge")
    docs["QuickBooks builder, a group, a discount, a subtotal (CAD)"] = built.content.decode()
    form = form_of(built)
    docs["QuickBooks builder, with errors"] = press(client, NEW, {
        **form, "po_number": "P" * 30, "lines-1-rate": "1.1234567", "lines-2-quantity": "2", "date": "31/02/2026",
        "lines-0-sub_lines-0-quantity": "x", "exchange_rate": "-1"}, "submit").content.decode()
    docs["QuickBooks builder, customer search (no JavaScript)"] = press(
        client, NEW, {**form, "customer_query": "Bridgeport"}, "search_customer").content.decode()
    docs["QuickBooks builder, item search (no JavaScript)"] = press(
        client, NEW, {**form, "lines-1-item_query": "chair"}, "search_item", "1").content.decode()
    docs["QuickBooks builder, a copy of an order"] = page(client, f"{NEW}?from={order_id}")
    docs["QuickBooks builder, customer results (htmx)"] = fragment(client, f"{NEW}customers/", {"customer_query": "bridge"})
    docs["QuickBooks builder, no customer found (htmx)"] = fragment(client, f"{NEW}customers/", {"customer_query": "Zzyzx"})
    docs["QuickBooks builder, item results (htmx)"] = fragment(
        client, f"{NEW}products/", {"line": "1", "lines-1-item_query": "kit"})
    docs["QuickBooks builder, lines after adding one (htmx)"] = fragment(client, NEW, {**form, "add_line": ""}, method="post")
    docs["QuickBooks builder, the form after a customer is picked (htmx)"] = fragment(
        client, NEW, {**form, "pick_customer": form["customer_id"]}, method="post")
    # Sent and stopped: refused by QuickBooks (a date in its closed period), then waiting for it (agent off).
    refused = client.post(NEW, {**form, "date": "2026-01-02", "submit": ""})
    docs["QuickBooks builder, refused by QuickBooks"] = page(client, refused["Location"])
    sandbox.autofy_configure(agent_offline=True)
    waiting = client.post(NEW, {**form, "token": "w" * 24, "submit": ""})
    docs["QuickBooks builder, waiting for QuickBooks"] = page(client, waiting["Location"])
    sandbox.autofy_configure(agent_offline=False)
    return docs


def test_every_page_and_state_is_valid_html(upstream, sales_client, admin_client_logged_in, sales_user, settings,
                                           sample_orders, stored_submission, tmp_path, qbd_upstream,
                                           qbd_sample_orders, qbd_tampered, quickbooks, qbd_references_cached):
    settings.LOGIN_FAILURE_DELAY = 0
    sandbox = upstream
    docs: dict[str, str] = {}
    anonymous = Client()

    # Signing in.
    docs["login"] = page(anonymous, "/accounts/login/")
    docs["login, wrong password"] = post(anonymous, "/accounts/login/", {"username": "sam", "password": "nope"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = anonymous.post("/accounts/login/", {"username": "sam", "password": "nope"})
    assert locked.status_code == 429
    docs["sign-in paused"] = locked.content.decode()

    # The order list.
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        docs[f"list ({who})"] = page(client, "/c/nordlys/orders/")
    for status in ("", *services.STATUS_FILTERS):
        docs[f"list, tab {status or 'All'}"] = page(sales_client, f"/c/nordlys/orders/?status={status}")
    docs["list, inactive link"] = page(sales_client, "/c/nordlys/orders/?status=Inactive")
    docs["list, filters with errors"] = page(sales_client, "/c/nordlys/orders/?date_from=2026-03-01&date_to=2026-01-01&modified_since=junk")
    docs["list, nothing found"] = page(sales_client, "/c/nordlys/orders/?invoice_number=987654321")
    docs["list, a page link no longer valid"] = page(sales_client, "/c/nordlys/orders/?cursor=junk", status=400)
    docs["list, swapped table (htmx)"] = fragment(sales_client, "/c/nordlys/orders/", {"status": "Invoice", "date_from": "junk"})
    cache.clear()
    sandbox.fault("GET /customers", "503", count=5, retry_after=0)
    docs["list, customer list unavailable"] = page(sales_client, "/c/nordlys/orders/?customer=10024")
    sandbox.clear_faults()
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        sandbox.fault("GET /salesorders", "503", count=5, retry_after=0)
        docs[f"list, ERP failing ({who})"] = page(client, "/c/nordlys/orders/", status=503)
        sandbox.clear_faults()

    # An order.
    plain, changed, foreign = sample_orders["plain"], sample_orders["customer_changed"], sample_orders["foreign"]
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        docs[f"order ({who})"] = page(client, f"/c/nordlys/orders/{plain}/")
    docs["order, customer changed"] = page(sales_client, f"/c/nordlys/orders/{changed}/")
    docs["order, another currency"] = page(sales_client, f"/c/nordlys/orders/{foreign}/")
    cache.clear()
    sandbox.fault("GET /customers/*", "503", count=5, retry_after=0)
    docs["order, customer record unavailable (admin)"] = page(admin_client_logged_in, f"/c/nordlys/orders/{plain}/")
    sandbox.clear_faults()
    docs["order, unknown (404)"] = page(sales_client, "/c/nordlys/orders/99999999/", status=404)
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        sandbox.fault("GET /salesorders/*", "503", count=5, retry_after=0)
        docs[f"order, ERP failing ({who})"] = page(client, f"/c/nordlys/orders/{plain}/", status=503)
        sandbox.clear_faults()

    # A QuickBooks order.
    autofy, qbd = qbd_upstream, qbd_sample_orders
    group = qbd["group"]["ID"]
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        docs[f"QuickBooks order, a group and a closed line ({who})"] = page(client, f"/c/lakeshore/orders/{group}/")
    docs["QuickBooks order, in CAD"] = page(sales_client, f"/c/lakeshore/orders/{qbd['foreign']['ID']}/")
    docs["QuickBooks order, addresses differ"] = page(sales_client, f"/c/lakeshore/orders/{qbd['moved']['ID']}/")
    autofy.autofy_fault("GET /Customer/*", "503", count=5, code=1303, retry_after=0)
    docs["QuickBooks order, customer record unavailable (admin)"] = page(admin_client_logged_in, f"/c/lakeshore/orders/{group}/")
    autofy.clear_faults()
    qbd_tampered(qbd["group"], SalesTaxAmount=0.01)
    docs["QuickBooks order, totals do not match"] = page(sales_client, f"/c/lakeshore/orders/{group}/")
    docs["QuickBooks order, unknown (404)"] = page(sales_client, "/c/lakeshore/orders/FFFF-1234567890/", status=404)
    autofy.autofy_fault(f"GET /SalesOrder/{group}", "malformed", count=5)
    docs["QuickBooks order, an answer that cannot be read (admin)"] = page(
        admin_client_logged_in, f"/c/lakeshore/orders/{group}/", status=503)
    autofy.clear_faults()
    autofy.autofy_configure(agent_offline=True)
    docs["QuickBooks order, offline without a copy"] = page(sales_client, f"/c/lakeshore/orders/{group}/", status=503)
    index.upsert(ErpConnection.objects.get(slug="lakeshore"), [index_copy(qbd["group"])])
    for who, client in (("sales", sales_client), ("admin", admin_client_logged_in)):
        docs[f"QuickBooks order, offline: the index's copy ({who})"] = page(client, f"/c/lakeshore/orders/{group}/")
    autofy.autofy_configure(agent_offline=False)

    # The builder.
    docs["builder, new"] = page(sales_client, "/c/nordlys/orders/new/")
    docs["builder, a copy of an order"] = page(sales_client, f"/c/nordlys/orders/new/?from={plain}")
    docs["builder, copy of an unknown order"] = page(sales_client, "/c/nordlys/orders/new/?from=99999999", status=404)
    docs["builder, with errors"] = post(sales_client, "/c/nordlys/orders/new/", builder_post(
        sales_client, "submit", status="Invoice", customer_invoice_emails="not an address", date="31/02/2026",
        **{"lines-0-quantity": "x"}))
    docs["builder, a customer picked"] = post(sales_client, "/c/nordlys/orders/new/", builder_post(sales_client, "pick_customer", "10006"))
    docs["builder, a product picked"] = post(sales_client, "/c/nordlys/orders/new/", builder_post(
        sales_client, "pick_product", "0:101", **{"lines-0-product_query": "KON"}))
    docs["builder, customer search (no JavaScript)"] = post(sales_client, "/c/nordlys/orders/new/", builder_post(
        sales_client, "search_customer", customer_query="Fjord"))
    docs["builder, product search (no JavaScript)"] = post(sales_client, "/c/nordlys/orders/new/", builder_post(
        sales_client, "search_product", "0", **{"lines-0-product_query": "KON"}))
    docs["builder, customer results (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "Fjord"})
    docs["builder, no customer found (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "Zzyzx"})
    docs["builder, product results (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/products/", {"line": "0", "lines-0-product_query": "KON"})
    docs["builder, customer section after a pick (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/", builder_post(sales_client, "pick_customer", "10006"), method="post")
    docs["builder, lines after adding one (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/", builder_post(sales_client, "add_line"), method="post")
    docs["builder, dimensions after adding one (htmx)"] = fragment(
        sales_client, "/c/nordlys/orders/new/", builder_post(sales_client, "add_dimension"), method="post")
    cache.clear()
    sandbox.fault("GET /taxes", "503", count=5, retry_after=0)
    docs["builder, ERP lists unavailable"] = page(sales_client, "/c/nordlys/orders/new/", status=503)
    sandbox.clear_faults()

    docs.update(quickbooks_builder_states(sales_client, qbd["group"]["ID"], autofy))

    # Orders sent from the builder that did not (yet) reach the ERP, as their sender and an admin see them.
    stored = {kind: stored_submission(sales_client, kind)
              for kind in ("rejected", "incomplete", "checking", "sending", "needs_attention", "closed")}
    banners = {"rejected": "failed", "incomplete": "failed", "checking": "checking", "sending": "sending",
               "needs_attention": "needs_attention"}
    for kind, banner in banners.items():
        url = f"/c/nordlys/orders/new/{stored[kind].public_id}/"
        shown = docs[f"builder, stored submission {kind} (sales)"] = page(sales_client, url)
        assert f'data-kind="{banner}"' in shown, kind
        docs[f"builder, stored submission {kind} (admin)"] = page(admin_client_logged_in, url)
    docs["builder, banner after a check (htmx)"] = fragment(
        sales_client, f"/c/nordlys/orders/new/{stored['checking'].public_id}/check/", method="post")

    # The admins' pages.
    docs["submissions"] = page(admin_client_logged_in, "/submissions/")
    docs["submissions, tab failed"] = page(admin_client_logged_in, "/submissions/?state=failed")
    docs["submissions, empty tab"] = page(admin_client_logged_in, "/submissions/?state=succeeded")
    docs["failed orders"] = page(admin_client_logged_in, "/submissions/failed/")
    for kind, submission in stored.items():
        docs[f"submission {kind}"] = page(admin_client_logged_in, f"/submissions/{submission.public_id}/")
    docs["submission, closed without a note"] = post(
        admin_client_logged_in, f"/submissions/{stored['needs_attention'].public_id}/close/", {"note": ""}, status=400)
    retried = admin_client_logged_in.post(f"/submissions/{stored['rejected'].public_id}/retry/", follow=True)
    docs["submission, tried again (a message)"] = retried.content.decode()

    docs.update(quickbooks_list_states(sales_client, admin_client_logged_in, quickbooks))

    # Error pages.
    docs["403"] = page(sales_client, "/submissions/", status=403)
    docs["404"] = page(sales_client, "/no-such-page/", status=404)
    docs["500"] = render_to_string("500.html")

    Submission.objects.all().delete()
    docs["failed orders, none"] = page(admin_client_logged_in, "/submissions/failed/")
    docs["submissions, none"] = page(admin_client_logged_in, "/submissions/")

    messages = validate(docs, tmp_path)
    errors = [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    warnings = [m for m in messages if m not in errors]
    for message in warnings:
        print("warning:", describe(message))
    assert not errors, f"{len(errors)} errors in {len(docs)} documents:\n" + "\n".join(map(describe, errors))


def test_acting_on_orders_is_valid_html(upstream, sales_client, admin_client_logged_in, qbd_upstream, settings,
                                        tmp_path, seed_restored):
    """The order pages' actions in every state: buttons, confirmations, refusals, outcomes, the timeline."""
    from tests.orders.test_order_actions import (
        qbd_act,
        qbd_order,
        tso_order,
        version_on,
    )

    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    docs = {}
    order_id = tso_order(upstream, lines=0)
    url = f"/c/nordlys/orders/{order_id}/status/"
    docs["24SevenOffice order, status buttons"] = page(admin_client_logged_in, f"/c/nordlys/orders/{order_id}/")
    docs["24SevenOffice, confirmation"] = post(admin_client_logged_in, url, {"from": "Draft", "status": "Invoice"})
    docs["24SevenOffice, a refused change (400)"] = post(admin_client_logged_in, url, {"from": "x"}, status=400)
    docs["24SevenOffice, for admins only (403)"] = post(sales_client, url, {"from": "Draft", "status": "Invoice"},
                                                         status=403)
    token = re.search(r'name="token" value="([^"]+)"', docs["24SevenOffice, confirmation"]).group(1)
    response = admin_client_logged_in.post(url, {"from": "Draft", "status": "Invoice", "confirm": "1", "token": token},
                                           follow=True)
    docs["24SevenOffice, NoLines in place with the timeline (admin)"] = response.content.decode()
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    confirm = post(sales_client, url, {"from": "Draft", "status": "Confirmed"})
    token = re.search(r'name="token" value="([^"]+)"', confirm).group(1)
    docs["24SevenOffice, being checked (sales)"] = sales_client.post(
        url, {"from": "Draft", "status": "Confirmed", "confirm": "1", "token": token}, follow=True).content.decode()
    in_doubt = OrderAction.objects.get(order_id=str(order_id), in_doubt=True)
    entry = f"/c/nordlys/orders/{order_id}/actions/{in_doubt.public_id}/?outcome=1"
    docs["24SevenOffice, being checked: its entry asked again (htmx)"] = FRAGMENT.format(
        f"<ol>{page(sales_client, entry)}</ol>")
    OrderAction.objects.filter(pk=in_doubt.pk).update(settles_at=None)
    docs["24SevenOffice, being checked: its entry settled (htmx)"] = FRAGMENT.format(
        f"<ol>{page(sales_client, entry, **HTMX)}</ol>")

    order = qbd_order(qbd_upstream)
    shown = sales_client.get(f"/c/lakeshore/orders/{order['ID']}/")
    docs["QuickBooks order, close and reopen"] = shown.content.decode()
    docs["QuickBooks, confirmation"] = post(sales_client, f"/c/lakeshore/orders/{order['ID']}/close/", {
        "op": "close", "scope": "lines", "version": version_on(shown), "line": order["ItemLines"][0]["ID"]})
    qbd_upstream.autofy("PATCH", "/SalesOrder", json={"ID": order["ID"], "Memo": "Changed"})
    docs["QuickBooks, changed since the page was shown"] = qbd_act(
        sales_client, order["ID"], version_on(shown), "close").content.decode()
    docs["QuickBooks, closed (admin)"] = qbd_act(
        admin_client_logged_in, order["ID"], version_on(admin_client_logged_in.get(f"/c/lakeshore/orders/{order['ID']}/")),
        "close").content.decode()
    messages = [m for m in validate(docs, tmp_path) if m.get("type") == "error"]
    assert not messages, "\n".join(describe(m) for m in messages)


def test_quickbooks_submissions_are_valid_html(admin_client_logged_in, sales_user, qbd_stored_submission, quickbooks,
                                               tmp_path):
    """The admins' pages with QuickBooks submissions in each state (waiting, in doubt, refused, needing a
    person, sent), and the message after sending a waiting one now."""
    from tests.conftest import QBD_STORED_SUBMISSIONS

    stored = {kind: qbd_stored_submission(sales_user, kind) for kind in QBD_STORED_SUBMISSIONS}
    docs = {f"QuickBooks submission {kind}": page(admin_client_logged_in, f"/submissions/{submission.public_id}/")
            for kind, submission in stored.items()}
    quickbooks.sync()
    docs["QuickBooks submission waiting, QuickBooks answered"] = page(
        admin_client_logged_in, f"/submissions/{stored['waiting'].public_id}/")
    docs["submissions with QuickBooks ones"] = page(admin_client_logged_in, "/submissions/")
    docs["submissions, tab waiting"] = page(admin_client_logged_in, "/submissions/?state=waiting")
    docs["failed orders, some waiting for QuickBooks"] = page(admin_client_logged_in, "/submissions/failed/")
    sent = admin_client_logged_in.post(f"/submissions/{stored['waiting'].public_id}/retry/", follow=True)
    docs["QuickBooks submission sent now (a message)"] = sent.content.decode()
    messages = validate(docs, tmp_path)
    errors = [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert not errors, f"{len(errors)} errors in {len(docs)} documents:\n" + "\n".join(map(describe, errors))
