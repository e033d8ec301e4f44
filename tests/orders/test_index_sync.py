"""The local order index of a QuickBooks connection and its sync, against the Autofy sandbox over real
HTTP: full, incremental (with its overlap), deletions, interruption and resume at any point; the list's
queries; the sync task through the database worker; the API key never in a recorded error or a log."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders import domain, tasks
from orders.erp.autofy import connector_for
from orders.models import ErpConnection, IndexedOrder, IndexSyncState
from orders.services import index

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(autofy, settings):
    """The sandbox's company file as seeded, and the dashboard's QuickBooks settings pointed at it."""
    autofy.control("POST", "/autofy/reset")
    settings.AUTOFY = {**settings.AUTOFY, "BASE_URL": f"{autofy.url}/autofy/v2/data", "READ_TIMEOUT": 10,
                       "MAX_RETRIES": 1, "BACKOFF": 0.01, "API_KEY": autofy.autofy_key}
    yield autofy
    autofy.control("POST", "/autofy/reset")


@pytest.fixture
def connection(company):
    """The demo's QuickBooks company (tests/conftest.py makes the demo connections)."""
    connection = ErpConnection.objects.get(kind=ErpConnection.Kind.QBD_AUTOFY, slug="lakeshore")
    connection.settings = {**connection.settings, "endpoint_id": company.autofy_endpoint}
    connection.save()
    return connection


def every_order(autofy, **params) -> dict[str, dict]:
    orders, page = {}, 1
    while True:
        body = autofy.autofy("GET", "/SalesOrder", params={"page": page, "pageSize": 500, **params}).json()
        orders.update({item["Object"]["ID"]: item["Object"] for item in body["Contents"]})
        if not body["MoreData"]:
            return orders
        page += 1


def live_rows(connection) -> dict[str, IndexedOrder]:
    return {row.upstream_id: row for row in IndexedOrder.objects.filter(connection=connection, deleted=False)}


def assert_index_matches(autofy, connection):
    """The index holds every live order exactly once, as QuickBooks has it now, and the deleted ones
    as deleted."""
    orders = every_order(autofy)
    rows = live_rows(connection)
    assert set(rows) == set(orders)
    for order_id, order in orders.items():
        row = rows[order_id]
        assert (row.number, row.reference, row.total) == (order["Number"] or "", order["PONumber"] or "",
                                                          Decimal(str(order["Amount"])))
        assert (row.customer_id, row.date.isoformat()) == ((order["Customer"] or {}).get("ID", ""),
                                                           order["Date"][:10])
    deleted = set(every_order(autofy, isDeleted="true"))
    marked = set(IndexedOrder.objects.filter(connection=connection, deleted=True).values_list("upstream_id", flat=True))
    assert deleted <= marked and not marked & set(orders)
    # Nothing else: no row for an order QuickBooks never had, and no order twice.
    everything = list(IndexedOrder.objects.filter(connection=connection).values_list("upstream_id", flat=True))
    assert sorted(everything) == sorted(set(orders) | marked)


def test_a_full_sync_then_incremental_ones(company, connection):
    result = index.sync(connection)
    assert result.full and not result.error
    assert_index_matches(company, connection)
    state = IndexSyncState.objects.get(connection=connection)
    assert state.full_synced_at and state.full_sync_page is None and state.modified_mark and state.deleted_mark
    assert state.agent_answered_at and state.last_success_at and not state.last_error

    since = company.last_call_id()
    again = index.sync(connection)
    assert not again.full and not again.error
    calls = [call for call in company.calls(since) if "/SalesOrder" in call["path"]]
    # Changes since the mark less the overlap, and deletions likewise: one page each, nothing read in full.
    assert len(calls) == 2
    expected = (state.modified_mark - index.overlap()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"modTimeStart={expected}".replace(":", "%3A") in calls[0]["query"] or \
        f"modTimeStart={expected}" in calls[0]["query"]
    assert_index_matches(company, connection)


def test_changes_and_deletions_reach_the_index(company, connection):
    index.sync(connection)
    orders = list(every_order(company).values())
    recent = [o for o in orders if o["Date"] > "2026-08" and not o["IsManuallyClosed"] and not o["IsFullyInvoiced"]]
    changed, deleted = recent[0], orders[6]  # QuickBooks refuses changes before its closing date
    assert not company.autofy("PATCH", "/SalesOrder", json={"ID": changed["ID"], "PONumber": "NEW-PO-1"}).json()["HasErrors"]
    company.control("POST", f"/autofy/salesorders/{deleted['ID']}/delete")
    created = company.autofy("POST", "/SalesOrder", json={
        "Customer": {"FullName": "Addison Dental Group"}, "PONumber": "FRESH-1",
        "ItemLines": [{"Item": {"FullName": "Task Chair TC-100"}, "Quantity": 2}]}).json()["Contents"][0]["Object"]

    result = index.sync(connection)
    assert not result.error and result.deleted == 1
    rows = live_rows(connection)
    assert rows[changed["ID"]].reference == "NEW-PO-1"
    assert rows[created["ID"]].reference == "FRESH-1" and rows[created["ID"]].state == "open"
    assert deleted["ID"] not in rows
    assert IndexedOrder.objects.get(connection=connection, upstream_id=deleted["ID"]).deleted_at is not None
    assert_index_matches(company, connection)


def test_an_offline_agent_midway_then_resume(company, connection, monkeypatch):
    monkeypatch.setattr(index, "PAGE_SIZE", 50)
    connector = connector_for(connection)
    real_page = connector.orders_page
    pages, all_pages = [], []

    def page_then_offline(page, **kwargs):
        answer = real_page(page, **kwargs)
        pages.append(page)
        all_pages.append(page)
        if len(all_pages) == 3:
            company.autofy_configure(agent_offline=True)  # the PC goes off after the third page
        return answer

    monkeypatch.setattr(connector, "orders_page", page_then_offline)
    result = index.sync(connection, connector=connector)
    assert "QuickBooks is not reachable" in result.error
    state = IndexSyncState.objects.get(connection=connection)
    assert state.full_sync_page == 4 and state.full_synced_at is None
    assert "not reachable" in state.last_error and state.last_error_at
    assert IndexedOrder.objects.filter(connection=connection).count() == 150
    assert index.freshness(connection).failing

    # While it was off: an order on a page already read is deleted (later ones move back a page).
    company.autofy_configure(agent_offline=False)
    victim = next(iter(live_rows(connection)))
    company.control("POST", f"/autofy/salesorders/{victim}/delete")

    pages.clear()
    result = index.sync(connection, connector=connector)
    assert result.full and not result.error
    assert pages[0] == 3  # it carried on where it stopped, reading the last saved page again
    assert_index_matches(company, connection)
    assert not index.freshness(connection).failing


def test_a_worker_killed_between_reading_and_saving_a_page_loses_nothing(company, connection, monkeypatch):
    monkeypatch.setattr(index, "PAGE_SIZE", 100)
    real_upsert = index.upsert
    calls = []

    def dies_on_the_second_page(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker restarted")
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr(index, "upsert", dies_on_the_second_page)
    with pytest.raises(SystemExit):
        index.sync(connection)
    state = IndexSyncState.objects.get(connection=connection)
    assert state.full_sync_page == 2 and IndexedOrder.objects.filter(connection=connection).count() == 100

    monkeypatch.setattr(index, "upsert", real_upsert)
    assert not index.sync(connection).error
    assert_index_matches(company, connection)


class FakeConnector:
    """A QuickBooks whose agent clock is behind ours: what it reports as modified lies before our marks."""

    def __init__(self, orders):
        self.orders = orders
        self.asked = []

    def orders_page(self, page, *, page_size, modified_from=None):
        self.asked.append(modified_from)
        found = [o for o in self.orders.values() if modified_from is None or o.modified_at >= modified_from]
        return found[(page - 1) * page_size:page * page_size], len(found) > page * page_size

    def deleted_page(self, page, *, page_size, deleted_from=None):
        return [], False

    def orders_by_id(self, ids):
        return [self.orders[i] for i in ids if i in self.orders], {i for i in ids if i not in self.orders}


def summary(order_id, modified_at, reference=""):
    return domain.OrderSummary(id=order_id, number=order_id, modified_at=modified_at, reference=reference,
                               date=modified_at.date(), total=Decimal("1.00"))


def test_the_overlap_window_catches_a_change_stamped_by_a_slow_clock(connection, settings):
    settings.INDEX_SYNC = {**settings.INDEX_SYNC, "OVERLAP_SECONDS": 600}
    now = timezone.now()
    fake = FakeConnector({"A": summary("A", now - dt.timedelta(hours=2)), "B": summary("B", now - dt.timedelta(minutes=1))})
    index.sync(connection, connector=fake)
    mark = IndexSyncState.objects.get(connection=connection).modified_mark
    assert mark == now - dt.timedelta(minutes=1)
    # The agent's clock is 5 minutes behind: A's change is stamped before the mark.
    fake.orders["A"] = summary("A", mark - dt.timedelta(minutes=5), reference="CHANGED")
    index.sync(connection, connector=fake)
    assert fake.asked[-1] == mark - dt.timedelta(minutes=10)
    assert live_rows(connection)["A"].reference == "CHANGED"


def test_an_older_copy_never_replaces_a_newer_one(connection):
    now = timezone.now()
    assert index.upsert(connection, [summary("A", now, "new")]) == 1
    index.upsert(connection, [summary("A", now - dt.timedelta(minutes=1), "old")])
    assert live_rows(connection)["A"].reference == "new"
    index.mark_deleted(connection, [domain.OrderSummary(id="A", deleted_at=now)])
    index.upsert(connection, [summary("A", now + dt.timedelta(minutes=1), "newer")])
    assert "A" not in live_rows(connection)  # a deleted order stays deleted


def test_one_sync_per_connection_at_a_time(connection):
    from orders.erp.autofy.throttle import exclusive

    with exclusive(f"index-sync:{connection.pk}") as held:
        assert held.held
        assert index.sync(connection, connector=FakeConnector({})).skipped


def test_the_list_queries(company, connection):
    index.sync(connection)
    everything = index.find_orders(connection, page_size=1000).items
    assert [o.date for o in everything] == sorted((o.date for o in everything), reverse=True)
    sample = next(o for o in everything if o.reference and o.state == "partly_invoiced")
    assert {o.state for o in index.find_orders(connection, index.Filters(state="closed"), page_size=1000).items} == {"closed"}
    by_name = index.find_orders(connection, index.Filters(customer=sample.customer.name.split(":")[0].lower()),
                                page_size=1000).items
    assert sample.id in {o.id for o in by_name}
    by_id = index.find_orders(connection, index.Filters(customer=sample.customer.id), page_size=1000).items
    assert {o.customer.id for o in by_id} == {sample.customer.id}
    assert sample.id in {o.id for o in index.find_orders(connection, index.Filters(number=sample.number)).items}
    assert [o.id for o in index.find_orders(connection, index.Filters(reference=sample.reference)).items] == [sample.id]
    day = index.find_orders(connection, index.Filters(date_from=sample.date, date_to=sample.date)).items
    assert sample.id in {o.id for o in day} and {o.date for o in day} == {sample.date}
    recent = index.find_orders(connection, index.Filters(modified_since=sample.modified_at), page_size=1000).items
    assert all(o.modified_at >= sample.modified_at for o in recent)
    first, second = index.find_orders(connection, page_size=10), index.find_orders(connection, page=2, page_size=10)
    assert first.has_next and second.has_previous and not set(first.items) & set(second.items)
    assert first.freshness.complete and first.freshness.synced_at


def test_the_sync_task_runs_in_the_database_worker(company, connection, transactional_db):
    assert tasks.request_sync(connection)
    assert not tasks.request_sync(connection)  # one waiting is enough
    assert IndexSyncState.objects.get(connection=connection).enqueued_at
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL" and result.return_value["full"] is True
    state = IndexSyncState.objects.get(connection=connection)
    assert state.enqueued_at is None and state.full_synced_at
    assert_index_matches(company, connection)
    assert tasks.schedule_syncs() == 1


def test_the_api_key_is_never_in_a_recorded_error_or_a_log(company, connection, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    connection.secret_env = "TEST_AUTOFY_KEY"
    connection.save()
    monkeypatch.setenv("TEST_AUTOFY_KEY", "wrong-key-5f3a9c")
    result = index.sync(connection)
    assert "refused the API key" in result.error
    state = IndexSyncState.objects.get(connection=connection)
    assert "refused the API key" in state.last_error and "wrong-key-5f3a9c" not in state.last_error
    assert "wrong-key-5f3a9c" not in caplog.text
