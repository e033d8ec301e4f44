"""A QuickBooks company's reference data, cached locally (``orders.services.qbd_references``): the sync
against the Autofy sandbox over real HTTP (full, incremental, records changed, made inactive or deleted in
QuickBooks, a failure half-way and the resume, the agent going offline), what the builder reads from it
(searches, one record, choices, the facts totals need) without calling Autofy, the task and the scheduler."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders import domain, tasks
from orders.erp.autofy import connector_for, reading
from orders.models import ReferenceListState, ReferenceRecord, ReferenceSyncState
from orders.services import qbd_references as refs
from orders.services.qbd_references import sync as refs_sync

pytestmark = pytest.mark.django_db


def every(sandbox, list_name: str, **params) -> dict[str, dict]:
    """Every record of a list as the stand-in serves it now, by ID."""
    body = sandbox.autofy("GET", f"/{list_name}", params={"pageSize": 500, **params}).json()
    return {item["Object"]["ID"]: item["Object"] for item in body["Contents"]}


def cached(connection, list_name: str) -> dict[str, ReferenceRecord]:
    return {row.list_id: row for row in ReferenceRecord.objects.filter(connection=connection, list_name=list_name)}


def assert_cache_matches(sandbox, connection):
    """The cache holds every record of every list exactly once, as QuickBooks has it now."""
    for list_name in refs.LISTS:
        served, rows = every(sandbox, list_name), cached(connection, list_name)
        assert set(rows) == set(served), list_name
        for list_id, record in served.items():
            row = rows[list_id]
            assert (row.full_name, row.active) == (record["FullName"], record["IsActive"])
            assert row.modified_at == reading.read_datetime(record["LastModifiedDate"])


def find(sandbox, list_name: str, full_name: str) -> dict:
    body = sandbox.autofy("GET", f"/{list_name}", params={"name": full_name}).json()
    return body["Contents"][0]["Object"]


def edit(sandbox, record: dict, **changes) -> dict:
    """A QuickBooks user changes a list record (sandbox knob), now unless ``at`` is given."""
    return sandbox.control("POST", f"/autofy/lists/{record['ID']}/edit", json=changes)


@pytest.fixture
def synced(quickbooks):
    """The demo's QuickBooks company with its reference data synced once."""
    result = refs.sync_references(quickbooks.connection)
    assert result.full and not result.error, result.error
    return quickbooks


# --- the sync ---------------------------------------------------------------------------------------------


def test_a_full_sync_then_incremental_ones_that_ask_only_for_changes(quickbooks):
    connection, sandbox = quickbooks.connection, quickbooks.sandbox
    assert refs.synced_at(connection) is None
    result = refs.sync_references(connection)
    assert result.full and not result.error and result.saved == sum(result.lists.values())
    assert_cache_matches(sandbox, connection)
    assert refs.synced_at(connection) is not None
    states = {s.list_name: s for s in ReferenceListState.objects.filter(connection=connection)}
    assert set(states) == set(refs.LISTS)
    assert all(s.full_synced_at and s.full_page is None and s.modified_mark for s in states.values())

    since = sandbox.last_call_id()
    again = refs.sync_references(connection)
    assert not again.full and not again.error and again.removed == 0
    calls = sandbox.calls(since)
    # One call per list, each asking for what changed since its mark less the overlap window.
    assert len(calls) == len(refs.LISTS)
    for call in calls:
        state = states[call["path"].rsplit("/", 1)[1]]
        start = (state.modified_mark - refs_sync.overlap()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert f"modTimeStart={start.replace(':', '%3A')}" in call["query"]
    assert_cache_matches(sandbox, connection)


def test_an_incremental_sync_picks_up_renamed_and_inactive_records(synced):
    connection, sandbox = synced.connection, synced.sandbox
    builders = find(sandbox, "Customer", "Bridgeport Builders Inc")
    chair = find(sandbox, "Item", "Task Chair TC-100")
    edit(sandbox, builders, Name="Brídgeport Bâtisseurs Inc")
    edit(sandbox, chair, IsActive=False)

    result = refs.sync_references(connection)
    assert not result.full and not result.error
    assert result.lists["Customer"] >= 4 and result.lists["Item"] >= 1  # the customer and its three jobs
    renamed = refs.customer_choice(connection, builders["ID"])
    assert renamed.full_name == "Brídgeport Bâtisseurs Inc"
    assert [c.full_name for c in refs.search_customers(connection, "batisseurs halsted")] == [
        "Brídgeport Bâtisseurs Inc:Halsted Lofts"]
    assert not refs.search_customers(connection, "Bridgeport Builders")
    # Inactive: kept and flagged, found by name after the active ones, not offered without a query.
    inactive = refs.item_choice(connection, chair["ID"])
    assert inactive is not None and not inactive.active
    found = refs.search_items(connection, "chair")
    assert found[-1].id == chair["ID"] and all(item.active for item in found[:-1])
    assert chair["ID"] not in {item.id for item in refs.search_items(connection, "", limit=100)}
    assert_cache_matches(sandbox, connection)


def test_a_change_stamped_by_a_clock_behind_ours_is_caught_by_the_overlap(synced):
    connection, sandbox = synced.connection, synced.sandbox
    mark = ReferenceListState.objects.get(connection=connection, list_name="Terms").modified_mark
    terms = find(sandbox, "Terms", "Net 60")
    # Changed after the last sync, but the agent's clock is behind: stamped 5 minutes before the mark.
    edit(sandbox, terms, Name="Net 60 days", at=(mark - dt.timedelta(minutes=5)).isoformat())
    refs.sync_references(connection)
    assert "Net 60 days" in [ref.name for ref in refs.choices(connection, "Terms")]


def test_records_deleted_in_quickbooks_leave_the_cache_with_the_next_full_sync(synced, settings):
    connection, sandbox = synced.connection, synced.sandbox
    fax = find(sandbox, "Item", "Fax Machine FX-1")
    sandbox.control("POST", f"/autofy/lists/{fax['ID']}/delete")
    assert not refs.sync_references(connection).removed  # nothing lists a deleted record by modification
    assert refs.item_choice(connection, fax["ID"]) is not None

    result = refs.sync_references(connection, full=True)
    assert result.full and result.removed == 1
    assert refs.item_choice(connection, fax["ID"]) is None
    assert_cache_matches(sandbox, connection)
    # And once a day without being asked.
    ReferenceListState.objects.filter(connection=connection).update(
        full_synced_at=timezone.now() - dt.timedelta(hours=settings.REFERENCE_SYNC["FULL_SYNC_HOURS"] + 1))
    assert refs.sync_references(connection).full


def test_an_admins_request_for_a_full_sync_is_not_lost_when_its_task_finds_another_sync_running(synced):
    from orders.erp.autofy.throttle import exclusive

    connection, sandbox = synced.connection, synced.sandbox
    fax = find(sandbox, "Item", "Fax Machine FX-1")
    sandbox.control("POST", f"/autofy/lists/{fax['ID']}/delete")
    assert tasks.request_reference_sync(connection, full=True)
    with exclusive(f"reference-sync:{connection.pk}"):
        assert refs.sync_references(connection, full=True).skipped  # its task, while another sync runs
    assert refs.status(connection).full_requested_at is not None
    result = refs.sync_references(connection)  # the next one, not asked to be full, does it
    assert result.full and result.removed == 1 and refs.status(connection).full_requested_at is None
    assert not refs.sync_references(connection).full


def test_a_sync_stopped_half_way_carries_on_where_it_stopped(quickbooks, monkeypatch):
    connection, sandbox = quickbooks.connection, quickbooks.sandbox
    monkeypatch.setattr(refs_sync, "PAGE_SIZE", 10)
    connector = connector_for(connection)
    real_page = connector.list_page
    asked, went_off = [], []

    def page_then_offline(name, page, **kwargs):
        answer = real_page(name, page, **kwargs)
        asked.append((name, page, "full" if kwargs.get("modified_from") is None else "changes"))
        if (name, page) == ("Customer", 3) and not went_off:
            went_off.append(True)
            sandbox.autofy_configure(agent_offline=True)  # the PC goes off after the third page of customers
        return answer

    monkeypatch.setattr(connector, "list_page", page_then_offline)
    result = refs.sync_references(connection, connector=connector)
    assert "QuickBooks is not reachable" in result.error
    customers = ReferenceListState.objects.get(connection=connection, list_name="Customer")
    assert customers.full_page == 4 and customers.full_synced_at is None
    assert len(cached(connection, "Customer")) == 30
    assert ReferenceListState.objects.get(connection=connection, list_name="Item").full_synced_at is not None
    state = ReferenceSyncState.objects.get(connection=connection)
    assert state.last_success_at is None and "not reachable" in state.last_error
    assert refs.synced_at(connection) is None and refs.status(connection).failing

    # Meanwhile a customer on a page already read is renamed past the end: the others move back a page.
    sandbox.autofy_configure(agent_offline=False)
    edit(sandbox, find(sandbox, "Customer", "Addison Dental Group"), Name="Zenith Dental Group")
    asked.clear()
    result = refs.sync_references(connection, connector=connector)
    assert result.full and not result.error
    # The lists done before were asked for their changes only; the customers carried on at the last page saved.
    assert [entry for entry in asked if entry[0] != "Customer"] == [
        (name, 1, "changes") for name in refs.LISTS if name != "Customer"]
    assert [entry for entry in asked if entry[0] == "Customer"][0] == ("Customer", 3, "full")
    assert_cache_matches(sandbox, connection)
    assert refs.synced_at(connection) is not None and not refs.status(connection).failing


def test_the_agent_going_offline_during_a_sync_leaves_the_cache_as_it_was(synced, monkeypatch):
    connection, sandbox = synced.connection, synced.sandbox
    before = {name: {i: r.data for i, r in cached(connection, name).items()} for name in refs.LISTS}
    synced_before = refs.synced_at(connection)
    connector = connector_for(connection)
    real_page = connector.list_page

    def offline_at_items(name, page, **kwargs):
        if name == "Item":
            sandbox.autofy_configure(agent_offline=True)
        return real_page(name, page, **kwargs)

    monkeypatch.setattr(connector, "list_page", offline_at_items)
    result = refs.sync_references(connection, full=True, connector=connector)
    assert result.error and result.removed == 0
    assert {name: {i: r.data for i, r in cached(connection, name).items()} for name in refs.LISTS} == before
    assert refs.synced_at(connection) == synced_before
    # The builder's reads go on from the cache.
    assert refs.search_customers(connection, "addison")[0].full_name == "Addison Dental Group"
    assert refs.choices(connection, "Terms")
    assert refs.status(connection).failing


def test_a_record_read_twice_or_an_older_copy_changes_nothing(synced):
    connection = synced.connection
    row = next(iter(cached(connection, "Terms").values()))
    older = {**row.data, "Name": "Old name", "FullName": "Old name",
             "LastModifiedDate": (row.modified_at - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert refs.upsert(connection, "Terms", [older, older]) == 0
    assert cached(connection, "Terms")[row.list_id].full_name == row.full_name
    newer = {**older, "FullName": "New name", "LastModifiedDate": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert refs.upsert(connection, "Terms", [newer, older]) == 1  # de-duplicated by ListID, the newest kept
    assert cached(connection, "Terms")[row.list_id].full_name == "New name"
    assert ReferenceRecord.objects.filter(connection=connection, list_id=row.list_id).count() == 1


def test_one_sync_per_connection_at_a_time(quickbooks):
    from orders.erp.autofy.throttle import exclusive

    with exclusive(f"reference-sync:{quickbooks.connection.pk}") as held:
        assert held.held
        assert refs.sync_references(quickbooks.connection).skipped
    assert not ReferenceRecord.objects.exists()


def test_a_24sevenoffice_company_has_no_reference_sync(db):
    from orders.models import ErpConnection

    nordlys = ErpConnection.objects.get(slug="nordlys")
    assert refs.sync_references(nordlys).skipped
    assert refs.search_customers(nordlys, "") == [] and refs.synced_at(nordlys) is None


# --- what the builder reads -------------------------------------------------------------------------------


def test_customer_search_ignores_case_and_accents_and_finds_jobs(synced):
    connection, sandbox = synced.connection, synced.sandbox
    addison = find(sandbox, "Customer", "Addison Dental Group")
    edit(sandbox, addison, Name="Café Lumière Dental")
    refs.sync_references(connection)
    for query in ("cafe lumiere", "CAFÉ", "lumière dent", "  Lumiere  "):
        assert [c.full_name for c in refs.search_customers(connection, query)] == ["Café Lumière Dental"], query

    # A job's full name holds its customer's: the customer first, then its jobs, by name.
    assert [c.full_name for c in refs.search_customers(connection, "bridgeport")] == [
        "Bridgeport Builders Inc", "Bridgeport Builders Inc:Canal St Warehouse",
        "Bridgeport Builders Inc:Halsted Lofts", "Bridgeport Builders Inc:Pilsen Clinic Remodel"]
    [lofts] = refs.search_customers(connection, "halsted lofts")
    assert lofts.parent.name == "Bridgeport Builders Inc"
    assert lofts.shipping_address.lines[1] == "1130 S Halsted St"  # the job's site
    assert lofts.billing_address.lines[1] == "3201 S Halsted St"  # the customer's office
    assert (lofts.terms.name, lofts.sales_rep.name, lofts.item_sales_tax.name, lofts.currency.name,
            lofts.tax_code.name) == ("Net 45", "MKO", "Chicago Combined", "US Dollar", "Tax")
    assert refs.customer_choice(connection, lofts.id) == lofts
    assert refs.search_customers(connection, "no such customer") == []
    # "%" and "_" are letters here, not wildcards.
    assert refs.search_customers(connection, "%") == [] and refs.search_customers(connection, "_") == []


def test_searches_put_active_records_first_and_stop_at_the_limit(synced):
    connection, sandbox = synced.connection, synced.sandbox
    active = [c for c in every(sandbox, "Customer").values() if c["IsActive"]]
    first = refs.search_customers(connection, "")
    assert len(first) == 20 and all(c.active for c in first)
    expected = sorted((c["FullName"] for c in active), key=refs_sync.folded)
    assert [c.full_name for c in first] == expected[:20]
    assert [c.full_name for c in refs.search_customers(connection, "", limit=5)] == expected[:5]
    assert len(refs.search_customers(connection, "", limit=500)) == len(active)  # at most MAX_LIMIT
    inactive = next(c for c in every(sandbox, "Customer").values() if not c["IsActive"])
    word = inactive["Name"].split()[0]
    found = refs.search_customers(connection, word)
    assert found[-1].full_name == inactive["FullName"] and not found[-1].active


def test_item_search_offers_every_kind_but_sales_tax_items(synced):
    connection, sandbox = synced.connection, synced.sandbox
    everything = refs.search_items(connection, "", limit=100)
    assert {item.type for item in everything} == {"Inventory", "InventoryAssembly", "NonInventory", "Service",
                                                  "OtherCharge", "Discount", "Subtotal", "Group"}
    assert refs.search_items(connection, "il sales tax") == []
    [chair] = refs.search_items(connection, "task chair")
    assert (chair.type, chair.kind, chair.rate, chair.rate_percent, chair.unit_of_measure, chair.tax_code.name,
            chair.description) == ("Inventory", "", Decimal("189.00"), None, "ea", "Tax",
                                   "Ergonomic task chair, mesh back, adjustable arms")
    [volume] = refs.search_items(connection, "volume discount")
    assert (volume.kind, volume.rate, volume.rate_percent) == ("discount", None, Decimal("10.0"))
    [bundle] = refs.search_items(connection, "workstation bundle")
    assert bundle.kind == "group"
    assert [(m.item.name, m.quantity) for m in bundle.members] == [
        ("Standing Desk SD-60", 1), ("Task Chair TC-100", 1), ("Monitor Arm MA-2", 1), ("LED Desk Lamp DL-10", 1)]
    members = refs.items_by_id(connection, [m.item.id for m in bundle.members] + ["nope", "\x00"])
    assert [members[m.item.id].rate for m in bundle.members] == [Decimal("689.00"), Decimal("189.00"),
                                                                 Decimal("129.00"), Decimal("44.95")]
    assert refs.item_choice(connection, bundle.id) == bundle
    assert refs.item_choice(connection, find(sandbox, "Customer", "Addison Dental Group")["ID"]) is None


def test_choices_of_the_small_lists(synced):
    connection = synced.connection
    names = {name: [ref.name for ref in refs.choices(connection, name)] for name in refs.CHOICE_LISTS}
    assert names["Terms"][:3] == ["1% 10 Net 30", "2% 10 Net 30", "Due 10th next month"]
    assert "TWC" not in names["SalesRep"] and "JRV" in names["SalesRep"]  # an inactive rep is not offered
    assert "Contract:Installation" in names["Class"]
    assert names["Template"] == ["Custom Sales Order", "Rep Sales Order", "Sales Order with Ship To"]
    assert names["Currency"] == ["British Pound Sterling", "Canadian Dollar", "Euro", "Mexican Peso", "US Dollar"]
    assert names["SalesTaxCode"] == ["Gov", "Non", "Out", "Res", "Tax"]
    assert "Chicago Combined" in names["ItemSalesTax"] and "IL Sales Tax" in names["ItemSalesTax"]
    assert all(isinstance(ref, domain.Ref) and ref.id for ref in refs.choices(connection, "Terms"))
    assert refs.choices(connection, "Customer") == [] and refs.choices(connection, "Nope") == []


def test_the_facts_totals_need_come_from_the_cache(synced, django_assert_num_queries):
    from django.core.cache import cache

    connection, sandbox = synced.connection, synced.sandbox
    cache.clear()
    connector = connector_for(connection)
    since = sandbox.last_call_id()
    lookups = connector.lookups()  # what the order page and list use
    assert sandbox.calls(since) == []  # no call to Autofy: read from the cache
    bundle = find(sandbox, "Item", "Workstation Bundle")
    chicago = find(sandbox, "ItemSalesTax", "Chicago Combined")
    assert lookups.line_kinds[bundle["ID"]] == "group" and lookups.tax_rates[chicago["ID"]] == Decimal("10.25")
    assert lookups.currency_codes["canadian dollar"] == "CAD" and lookups.taxable["tax"] is True
    assert refs.lookups(connection) == lookups
    with django_assert_num_queries(0):  # kept: the builder's every line change costs no query for them
        refs.lookups(connection)


def test_lookups_before_the_first_sync_are_read_from_quickbooks_as_before(quickbooks):
    from django.core.cache import cache

    cache.clear()
    since = quickbooks.sandbox.last_call_id()
    assert refs.lookups(quickbooks.connection) == reading.NO_LOOKUPS  # the cache only, never Autofy
    assert quickbooks.sandbox.calls(since) == []
    lookups = connector_for(quickbooks.connection).lookups()
    assert {call["path"].rsplit("/", 1)[1] for call in quickbooks.sandbox.calls(since)} == {
        "Currency", "SalesTaxCode", "Item"}
    assert lookups.taxable["tax"] is True
    # After a sync the kept copy is forgotten: the next one comes from the cache.
    refs.sync_references(quickbooks.connection)
    assert connector_for(quickbooks.connection).kept_lookups() is None


def test_an_empty_cache_and_odd_input_answer_without_failing(quickbooks):
    connection = quickbooks.connection
    assert refs.search_customers(connection, "addison") == [] and refs.search_items(connection, "") == []
    assert refs.customer_choice(connection, "80000001-1") is None and refs.items_by_id(connection, ["x"]) == {}
    assert refs.choices(connection, "Terms") == [] and refs.synced_at(connection) is None
    assert refs.status(connection).synced_at is None
    refs.sync_references(connection)
    for odd in ("\x00", "a\x00b", "x" * 5000, "%_\\", "'; DROP TABLE x; --", "①②", None, 42):
        refs.search_customers(connection, odd)
        refs.search_items(connection, odd, limit=0)
        assert refs.customer_choice(connection, odd) is None and refs.item_choice(connection, odd) is None
    assert refs.items_by_id(connection, ["\x00", None, "y" * 500]) == {}


def test_a_search_is_one_indexed_query_however_long_the_list(synced, django_assert_num_queries):
    from django.db import connection as db

    connection = synced.connection
    refs.upsert(connection, "Customer", [
        {"ID": f"9{n:07X}-1700000000", "Name": f"Customer {n:05d}", "FullName": f"Customer {n:05d}",
         "IsActive": n % 7 != 0, "LastModifiedDate": "2026-01-01T00:00:00Z"} for n in range(5000)])
    with django_assert_num_queries(1):
        found = refs.search_customers(connection, "customer 0")
    assert len(found) == 20 and [c.full_name for c in found][:2] == ["Customer 00001", "Customer 00002"]
    with django_assert_num_queries(1):
        assert [c.full_name for c in refs.search_customers(connection, "04999")] == ["Customer 04999"]
    if db.vendor == "sqlite":
        plan = (ReferenceRecord.objects.filter(connection=connection, list_name="Customer",
                                               name_folded__contains="x")
                .order_by("-active", "name_folded").explain())
        assert "reference_by_name" in plan and "TEMP B-TREE" not in plan  # walked in order: no sort


# --- the task and the scheduler -----------------------------------------------------------------------------


def test_the_sync_task_runs_in_the_database_worker_and_the_scheduler_enqueues_it(quickbooks, transactional_db,
                                                                                 settings):
    from django_tasks_db.models import DBTaskResult

    connection = quickbooks.connection
    call_command("index_scheduler", "--once", stdout=StringIO())
    state = ReferenceSyncState.objects.get(connection=connection)
    assert state.enqueued_at is not None
    assert tasks.schedule_reference_syncs() == 0  # one waiting is enough
    assert not tasks.request_reference_sync(connection)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    results = {r.task_path.rsplit(".", 1)[1]: r for r in DBTaskResult.objects.all()}
    assert set(results) == {"sync_connection", "sync_reference_data"}
    done = results["sync_reference_data"]
    assert done.status == "SUCCESSFUL" and done.return_value["full"] and not done.return_value["error"]
    assert refs.synced_at(connection) is not None
    assert_cache_matches(quickbooks.sandbox, connection)

    # Not due again before the interval; due after it; tried again sooner while never read.
    assert tasks.schedule_reference_syncs() == 0
    now = timezone.now()
    ReferenceSyncState.objects.filter(connection=connection).update(
        last_attempt_at=now - dt.timedelta(seconds=settings.REFERENCE_SYNC["INTERVAL_SECONDS"] + 1))
    assert tasks.schedule_reference_syncs() == 1
    ReferenceSyncState.objects.filter(connection=connection).update(
        enqueued_at=None, last_success_at=None,
        last_attempt_at=now - dt.timedelta(seconds=settings.REFERENCE_SYNC["RETRY_SECONDS"] + 1))
    assert tasks.schedule_reference_syncs() == 1
    # An admin's full sync is enqueued even with one waiting.
    assert tasks.request_reference_sync(connection, full=True)
    assert DBTaskResult.objects.filter(status="READY", args_kwargs__args=[connection.pk, True]).exists()


def test_admins_see_where_the_syncs_stand_in_djangos_admin_and_cannot_change_it(synced, admin_client):
    lists = admin_client.get("/admin/orders/referenceliststate/", {"list_name": "Customer"})
    assert lists.status_code == 200 and "Customer of lakeshore" in lists.content.decode()
    state = ReferenceSyncState.objects.get(connection=synced.connection)
    page = admin_client.get(f"/admin/orders/referencesyncstate/{state.pk}/change/")
    assert page.status_code == 200 and 'name="last_error"' not in page.content.decode()
    assert admin_client.get("/admin/orders/indexsyncstate/").status_code == 200
    assert admin_client.post(f"/admin/orders/referencesyncstate/{state.pk}/change/", {"last_error": "x"}).status_code == 403
