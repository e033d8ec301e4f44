"""Sending a new order to QuickBooks, against the Autofy stand-in over HTTP: the body, QuickBooks' limits,
every refusal onto its field or line, a lost answer and an agent that goes offline each making one order,
waiting for QuickBooks and the worker, a double start, a correction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from orders import tasks
from orders.domain import CustomField, PostalAddress, Ref
from orders.erp.autofy import connector_for
from orders.erp.autofy import payloads as autofy_payloads
from orders.erp.errors import UpstreamError
from orders.models import Submission, SubmissionAttempt
from orders.qbd_draft import QbLineDraft, QbOrderDraft, draft_problems
from orders.services import index
from orders.submissions import SubmissionConflict, submission_close
from orders.submissions.quickbooks import (
    qbd_form_errors,
    qbd_submission_draft,
    qbd_submission_form_errors,
    qbd_submission_revise,
    qbd_submission_run,
    qbd_submission_start,
    send_due,
    waiting_for_quickbooks,
)
from orders.submissions.quickbooks.form_errors import placed_reason
from sandbox.autofy import shape
from tests.orders.conftest import make_user

State = Submission.State
Outcome = SubmissionAttempt.Outcome
DAY = dt.date(2026, 11, 20)  # after the stand-in's closing date (2026-05-31)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def qb(db, quickbooks, settings):
    """The QuickBooks company on the stand-in (its company file as seeded), a write in doubt looked for at
    once (no settle period, no agent queue to wait out)."""
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0, "AGENT_QUEUE_SECONDS": 0}
    quickbooks.connection.refresh_from_db()
    return quickbooks


def lookup(sandbox, kind: str, name: str) -> Ref:
    body = sandbox.autofy("GET", f"/{kind}", params={"name": name}).json()
    found = body["Contents"][0]["Object"]
    return Ref(found["ID"], found["FullName"])


def make_draft(sandbox, **overrides) -> QbOrderDraft:
    """Addison Dental Group: a chair, a group with its lines, a discount, a subtotal, a non-taxable line."""
    item = lambda name: lookup(sandbox, "Item", name)  # noqa: E731
    values = {
        "customer": lookup(sandbox, "Customer", "Addison Dental Group"), "date": DAY,
        "due_date": DAY + dt.timedelta(days=30), "po_number": "PO-77", "memo": "Ring first",
        "refs": {"terms": lookup(sandbox, "Terms", "Net 30")},
        "shipping_address": PostalAddress(lines=("Addison Dental Group", "12 Pier St"), city="Chicago",
                                          region="IL", postal_code="60601", country="US"),
        "lines": (
            QbLineDraft(item=item("Task Chair TC-100"), quantity=Decimal("2"), rate=Decimal("189.00")),
            QbLineDraft(item=item("Workstation Bundle"), kind="group", quantity=Decimal("1"), sub_lines=(
                QbLineDraft(item=item("Standing Desk SD-60"), quantity=Decimal("1")),
                QbLineDraft(item=item("Task Chair TC-100"), quantity=Decimal("1"), rate=Decimal("150")),
            )),
            QbLineDraft(item=item("Subtotal"), kind="subtotal"),
            QbLineDraft(item=item("Volume Discount"), kind="discount", rate_percent=Decimal("-10")),
            QbLineDraft(item=item("Setup Fee"), quantity=Decimal("1"), description="Set up on site",
                        tax_code=lookup(sandbox, "SalesTaxCode", "Non")),
        ),
    }
    values.update(overrides)
    return QbOrderDraft(**values)


def start(qb, user, draft=None, token=None) -> Submission:
    return qbd_submission_start(user=user, connection=qb.connection, token=token or uuid.uuid4().hex,
                                draft=draft or make_draft(qb.sandbox))


def marked(sandbox, tag: str) -> list[dict]:
    """The stand-in's orders carrying ``tag`` in Other (every order modified in the last day)."""
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = sandbox.autofy("GET", "/SalesOrder", params={"modTimeStart": since, "pageSize": 500}).json()
    return [c["Object"] for c in body["Contents"] if c["Object"]["Other"] == tag]


def posts(sandbox, since: int) -> list[dict]:
    return [c for c in sandbox.calls(since) if c["method"] == "POST" and c["path"].endswith("/SalesOrder")]


def tag_of(submission: Submission) -> str:
    return submission.steps.get().request["Other"]


def outcomes(submission: Submission) -> list[str]:
    return list(SubmissionAttempt.objects.filter(step__submission=submission).order_by("number")
                .values_list("outcome", flat=True))


# --- the body -----------------------------------------------------------------------------------------

def _walk(value, path=""):
    if isinstance(value, dict):
        yield path, value
        for key, part in value.items():
            yield from _walk(part, f"{path}.{key}")
    elif isinstance(value, list):
        for index, part in enumerate(value):
            yield from _walk(part, f"{path}[{index}]")
    else:
        yield path, value


def test_the_body_is_the_bare_template_object_with_nothing_empty(qb, sales_user):
    submission = start(qb, sales_user)
    body = submission.steps.get().request
    assert set(body) <= set(shape.HEADER)  # no wrapper: the SalesOrder object itself
    for line in body["ItemLines"]:
        assert set(line) <= set(shape.LINE)
        for sub in line.get("SubLines", ()):
            assert set(sub) <= set(shape.SUB_LINE)
    for path, value in _walk(body):
        assert value not in ("", [], {}, None), path  # nothing the template has as a placeholder
        if isinstance(value, dict) and ("ID" in value or path.endswith("UnitOfMeasure")):
            # References by ID alone, never empty; a name only where QuickBooks has nothing else.
            assert set(value) == ({"FullName"} if path.endswith("UnitOfMeasure") else {"ID"}), path
            assert all(value.values()), path
    chair, group, subtotal, discount, fee = body["ItemLines"]
    assert (chair["Quantity"], chair["Rate"]) == (2, 189) and "RatePercent" not in chair and "Amount" not in chair
    assert discount == {"Item": discount["Item"], "RatePercent": -10}  # no quantity, no rate, no amount
    assert set(subtotal) == {"Item"}
    assert [set(sub) for sub in group["SubLines"]] == [{"Item", "Quantity"}, {"Item", "Quantity", "Rate"}]
    assert fee["SalesTaxCode"]["ID"] and fee["Description"] == "Set up on site"
    assert body["Date"] == "2026-11-20T00:00:00Z" and body["DueDate"] == "2026-12-20T00:00:00Z"
    assert body["ShippingAddress"] == {"Line1": "Addison Dental Group", "Line2": "12 Pier St", "City": "Chicago",
                                       "State": "IL", "PostalCode": "60601", "Country": "US"}
    assert "BillingAddress" not in body and "ExchangeRate" not in body  # QuickBooks fills them in


def test_the_marker_fits_other_and_is_unique_per_submission(qb, sales_user):
    tags = {tag_of(start(qb, sales_user)) for _ in range(3)}
    assert len(tags) == 3
    for tag in tags:
        assert tag.startswith("SOA:") and len(tag) <= 29 and autofy_payloads.marker_in(f"x {tag} y") == tag
    public_id = uuid.UUID(int=2**128 - 1)
    assert autofy_payloads.marker(public_id) == "SOA:_____________________w"


def test_a_rate_percent_wins_over_a_rate_and_custom_fields_go_by_name(qb, sales_user):
    chair = lookup(qb.sandbox, "Item", "Task Chair TC-100")
    body = autofy_payloads.sales_order_body(
        make_draft(qb.sandbox, custom_fields=(CustomField("Region", "North"), CustomField("Empty", "")),
                   lines=(QbLineDraft(item=chair, quantity=Decimal(1), rate=Decimal(0), amount=Decimal("12.50")),)),
        tag="SOA:x")
    assert body["ItemLines"] == [{"Item": {"ID": chair.id}, "Quantity": 1, "Rate": 0, "Amount": 12.5}]
    assert body["CustomFields"] == [{"FullName": "Region", "Value": "North"}]


# --- QuickBooks' limits -------------------------------------------------------------------------------

def at_limits(sandbox) -> QbOrderDraft:
    """A draft with every text at its QuickBooks length and numbers at their digits."""
    address = PostalAddress(lines=tuple("L" * 41 for _ in range(5)), city="C" * 31, region="S" * 21,
                            postal_code="P" * 13, country="N" * 31, note="T" * 41)
    chair = lookup(sandbox, "Item", "Task Chair TC-100")
    return make_draft(sandbox, number="N" * 11, po_number="P" * 25, fob="F" * 13, memo="M" * 4095,
                      billing_address=address, shipping_address=address, lines=(
                          QbLineDraft(item=chair, description="D" * 4095, quantity=Decimal("1.12345"),
                                      rate=Decimal("9.99999")),))


OVER_LIMITS = [
    ({"number": "N" * 12}, "fields", "number"),
    ({"po_number": "P" * 26}, "fields", "po_number"),
    ({"fob": "F" * 14}, "fields", "fob"),
    ({"memo": "M" * 4096}, "fields", "memo"),
    ({"billing_address": PostalAddress(lines=("", "L" * 42))}, "fields", "bill_line2"),
    ({"shipping_address": PostalAddress(city="C" * 32)}, "fields", "ship_city"),
    ({"shipping_address": PostalAddress(region="S" * 22)}, "fields", "ship_state"),
    ({"billing_address": PostalAddress(postal_code="P" * 14)}, "fields", "bill_postal_code"),
    ({"billing_address": PostalAddress(note="T" * 42)}, "fields", "bill_note"),
    ({"exchange_rate": Decimal("1.1234567")}, "fields", "exchange_rate"),
    ({"customer": Ref("")}, "fields", "customer_id"),
    ({"lines": ()}, "sections", "lines"),
]
OVER_LINE_LIMITS = [
    ({"description": "D" * 4096}, "description"),
    ({"unit_of_measure": "U" * 32}, "unit_of_measure"),
    ({"quantity": Decimal("12345678901")}, "quantity"),
    ({"rate": Decimal("1.123456")}, "rate"),
    ({"amount": Decimal("1.001")}, "amount"),
    ({"amount": Decimal("12345678901234")}, "amount"),
    ({"rate": Decimal(1), "rate_percent": Decimal(5)}, "rate_percent"),
    ({"kind": "discount", "quantity": Decimal(1)}, "quantity"),
    ({"item": None}, "item_id"),
]


def test_a_draft_at_every_limit_is_accepted_by_quickbooks(qb, sales_user):
    draft = at_limits(qb.sandbox)
    assert draft_problems(draft) is None
    assert qbd_submission_run(submission=start(qb, sales_user, draft)).state == State.SUCCEEDED


@pytest.mark.parametrize("change, where, name", OVER_LIMITS)
def test_one_over_a_header_limit_is_marked_on_its_field(qb, change, where, name):
    problems = draft_problems(replace(at_limits(qb.sandbox), **change))
    assert problems is not None and list(getattr(problems, where)) == [name]


@pytest.mark.parametrize("change, name", OVER_LINE_LIMITS)
def test_one_over_a_line_limit_is_marked_on_its_line(qb, change, name):
    draft = at_limits(qb.sandbox)
    group = draft_problems(replace(draft, lines=(draft.lines[0], QbLineDraft(
        item=draft.lines[0].item, kind="group", sub_lines=(replace(draft.lines[0], **change),)))))
    plain = draft_problems(replace(draft, lines=(draft.lines[0], replace(draft.lines[0], **change))))
    assert list(plain.lines) == [1] and list(plain.lines[1]) == [name]
    if change.get("kind") != "discount":  # a group's line is not a discount line
        assert list(group.lines[1]) == [f"sub_lines.0.{name}"]


def test_a_draft_quickbooks_would_refuse_is_not_saved(qb, sales_user):
    with pytest.raises(ValueError):
        start(qb, sales_user, make_draft(qb.sandbox, po_number="P" * 26))
    assert not Submission.objects.exists()


# --- sent once ------------------------------------------------------------------------------------------

def test_an_order_is_saved_before_it_is_sent_then_created_once(qb, sales_user):
    draft = make_draft(qb.sandbox)
    submission = start(qb, sales_user, draft, token="t-1")
    assert (submission.state, submission.created_by, submission.payload["po_number"]) == (State.PENDING, sales_user,
                                                                                          "PO-77")
    assert qbd_submission_draft(submission=submission) == draft
    since = qb.sandbox.last_call_id()
    sent = qbd_submission_run(submission=submission)
    assert sent.state == State.SUCCEEDED and not sent.last_error
    [order] = marked(qb.sandbox, tag_of(sent))
    assert sent.upstream_ref == order["ID"] and order["PONumber"] == "PO-77"
    assert len(posts(qb.sandbox, since)) == 1 and outcomes(sent) == [Outcome.SUCCEEDED]
    # The group came with its lines, the discount without a quantity, the fee not taxed.
    group, discount, fee = order["ItemLines"][1], order["ItemLines"][3], order["ItemLines"][4]
    assert [sub["Item"]["FullName"] for sub in group["SubLines"]] == ["Standing Desk SD-60", "Task Chair TC-100"]
    assert discount["Quantity"] is None and discount["RatePercent"] == -10
    assert fee["SalesTaxCode"]["FullName"] == "Non"
    # Running it again, or the worker, sends nothing more.
    assert qbd_submission_run(submission=sent).state == State.SUCCEEDED
    send_due(qb.connection)
    assert len(posts(qb.sandbox, since)) == 1


def test_the_same_token_twice_is_one_submission(qb, sales_user, db):
    first = start(qb, sales_user, token="same")
    assert start(qb, sales_user, token="same") == first
    assert Submission.objects.count() == 1
    with pytest.raises(PermissionDenied):
        start(qb, make_user("olga"), token="same")


@pytest.mark.parametrize("fault", ["drop_after_commit", "error_after_commit", "malformed"])
def test_an_answer_lost_after_commit_makes_one_order(qb, sales_user, fault):
    """The connection dropped, a 200 carrying 1301, a success answer that cannot be read: each after
    QuickBooks saved the order."""
    submission = start(qb, sales_user)
    since = qb.sandbox.last_call_id()
    qb.sandbox.autofy_fault("POST /SalesOrder", fault)
    lost = qbd_submission_run(submission=submission)
    assert lost.state == State.WAITING and waiting_for_quickbooks(lost)
    assert "did not confirm" in lost.last_error and "cannot be created twice" in lost.last_error
    assert lost.steps.get().state == "unknown"
    [order] = marked(qb.sandbox, tag_of(lost))
    settled = qbd_submission_run(submission=lost)
    assert settled.state == State.SUCCEEDED and settled.upstream_ref == order["ID"]
    assert len(marked(qb.sandbox, tag_of(settled))) == 1 and len(posts(qb.sandbox, since)) == 1
    assert outcomes(settled) == [Outcome.UNKNOWN, Outcome.CHECKED]
    assert "found in QuickBooks by its marker" in settled.steps.get().note


def test_when_it_looks_again_is_said_in_the_companys_time(qb, sales_user, settings):
    """The words are kept and read on Lakeshore's pages (Chicago time) and in the journal (Oslo's): labelled."""
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 600}
    submission = start(qb, sales_user)
    qb.sandbox.autofy_fault("POST /SalesOrder", "drop_after_commit")
    lost = qbd_submission_run(submission=submission)
    looks_at = lost.steps.get().settles_at.astimezone(ZoneInfo("America/Chicago"))
    assert lost.state == State.WAITING and looks_at > timezone.now()
    when = f"{looks_at:%H:%M %Z}" if looks_at.date() == timezone.localdate(timezone=looks_at.tzinfo) \
        else f"{looks_at:%d %b %H:%M %Z}".lstrip("0")
    assert f"QuickBooks did not confirm the order. The connection to the ERP broke before it answered. Before " \
           f"anything is sent again, the dashboard looks for it in QuickBooks from {when}" in lost.last_error


@pytest.mark.parametrize("code, waiting_for", [(1302, "It will be sent when"), (1900, "It will be sent when"),
                                               (1303, "QuickBooks did not confirm")])
def test_an_answer_that_nothing_was_taken_waits_and_is_sent_after_a_look(qb, sales_user, code, waiting_for):
    submission = start(qb, sales_user)
    since = qb.sandbox.last_call_id()
    qb.sandbox.autofy_fault("POST /SalesOrder", "503", code=code, retry_after=0)
    waiting = qbd_submission_run(submission=submission)
    assert waiting.state == State.WAITING and waiting.last_error.startswith(waiting_for)
    assert not waiting.form_errors and marked(qb.sandbox, tag_of(waiting)) == []
    sent = qbd_submission_run(submission=waiting)
    assert sent.state == State.SUCCEEDED and len(marked(qb.sandbox, tag_of(sent))) == 1
    assert len(posts(qb.sandbox, since)) == 2
    assert outcomes(sent)[1:] == [Outcome.CHECKED, Outcome.SUCCEEDED]  # looked for before it was sent again


def test_a_write_in_doubt_waits_for_its_settle_period(qb, sales_user, settings):
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 600}
    submission = start(qb, sales_user)
    qb.sandbox.autofy_fault("POST /SalesOrder", "drop_after_commit")
    lost = qbd_submission_run(submission=submission)
    since = qb.sandbox.last_call_id()
    again = qbd_submission_run(submission=lost)
    assert again.state == State.WAITING and qb.sandbox.calls(since) == []  # not even looked for yet
    assert again.next_attempt_at == again.steps.get().settles_at > timezone.now() + dt.timedelta(minutes=9)
    assert send_due(qb.connection).held == 1


def test_the_agent_going_offline_right_after_commit_makes_one_order(qb, sales_user):
    submission = start(qb, sales_user)
    since = qb.sandbox.last_call_id()
    qb.sandbox.autofy_fault("POST /SalesOrder", "offline_after_commit")
    waiting = qbd_submission_run(submission=submission)
    assert waiting.state == State.WAITING and waiting.last_error.startswith("It will be sent when the PC running QuickBooks answers.")
    assert index.sync(qb.connection).error  # the index sync finds QuickBooks unreachable too
    Submission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))
    assert send_due(qb.connection).held == 1  # held while QuickBooks is unreachable, its time come or not
    qb.sandbox.autofy_configure(agent_offline=False)
    qb.sync()
    assert send_due(qb.connection).sent == 1
    settled = Submission.objects.get(pk=submission.pk)
    [order] = marked(qb.sandbox, tag_of(settled))
    assert settled.state == State.SUCCEEDED and settled.upstream_ref == order["ID"]
    assert len(posts(qb.sandbox, since)) == 1
    assert outcomes(settled) == [Outcome.NOT_ACCEPTED, Outcome.CHECKED]


@pytest.mark.parametrize("code, status", [(1302, 503), (1600, 200)])
def test_an_offline_agent_keeps_the_order_waiting_until_it_answers_then_the_worker_sends_it_once(
        qb, sales_user, settings, code, status):
    settings.TASKS = IMMEDIATE_TASKS  # the worker runs what is enqueued at once
    submission = start(qb, sales_user)
    qb.sandbox.autofy_configure(agent_offline=True, offline_code=code, offline_status=status)
    since = qb.sandbox.last_call_id()
    waiting = qbd_submission_run(submission=submission, budget=5)
    assert waiting.state == State.WAITING and waiting_for_quickbooks(waiting)
    assert waiting.last_error.startswith("It will be sent when the PC running QuickBooks answers.")
    assert "Nothing was lost." in waiting.last_error  # "You can leave this page" is the builder's to say
    assert marked(qb.sandbox, tag_of(waiting)) == []
    # While it is offline the worker sends nothing, even once its retry time has come.
    assert tasks.request_sync(qb.connection)  # the sync fails: QuickBooks is known to be unreachable
    Submission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))
    assert tasks.schedule_sending() == 1
    assert len(posts(qb.sandbox, since)) == 1 and Submission.objects.get(pk=waiting.pk).state == State.WAITING
    # QuickBooks answers again: the next sync reaches it, and the waiting order goes at once, once.
    qb.sandbox.autofy_configure(agent_offline=False)
    assert tasks.request_sync(qb.connection)
    sent = Submission.objects.get(pk=waiting.pk)
    assert sent.state == State.SUCCEEDED and [o["ID"] for o in marked(qb.sandbox, tag_of(sent))] == [sent.upstream_ref]
    assert len(posts(qb.sandbox, since)) == 2
    assert tasks.schedule_sending() == 0 and len(posts(qb.sandbox, since)) == 2


def test_the_worker_task_runs_in_the_database_worker(qb, sales_user, transactional_db):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    submission = start(qb, sales_user)
    Submission.objects.filter(pk=submission.pk).update(
        state=State.WAITING, waiting_since=timezone.now(), next_attempt_at=timezone.now())
    assert tasks.request_sending(qb.connection) and not tasks.request_sending(qb.connection)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL" and result.return_value["sent"] == 1
    assert Submission.objects.get(pk=submission.pk).state == State.SUCCEEDED


def test_the_first_waiting_order_that_finds_quickbooks_away_holds_the_others(qb, sales_user):
    first, second = start(qb, sales_user), start(qb, sales_user)
    Submission.objects.filter(pk__in=[first.pk, second.pk]).update(
        state=State.WAITING, waiting_since=timezone.now(), next_attempt_at=timezone.now())
    qb.sandbox.autofy_configure(agent_offline=True)
    since = qb.sandbox.last_call_id()
    done = send_due(qb.connection)
    assert (done.waiting, done.sent) == (1, 0) and len(qb.sandbox.calls(since)) == 1
    assert Submission.objects.get(pk=second.pk).next_attempt_at <= timezone.now()  # untouched


def test_waiting_gives_way_to_a_person_after_three_days(qb, sales_user):
    submission = start(qb, sales_user)
    Submission.objects.filter(pk=submission.pk).update(
        state=State.WAITING, waiting_since=timezone.now() - dt.timedelta(days=3, minutes=1))
    since = qb.sandbox.last_call_id()
    assert send_due(qb.connection).needs_attention == 1 and qb.sandbox.calls(since) == []
    stuck = Submission.objects.get(pk=submission.pk)
    assert stuck.state == State.NEEDS_ATTENTION and "has not taken this order for 3 days" in stuck.last_error
    # Once QuickBooks is back an admin has it looked at again: sent (after looking for it), once.
    again = qbd_submission_run(submission=stuck, attended=True)
    assert again.state == State.SUCCEEDED and len(posts(qb.sandbox, since)) == 1


def test_two_orders_with_the_marker_need_a_person_with_the_evidence(qb, sales_user):
    submission = start(qb, sales_user)
    qb.sandbox.autofy_fault("POST /SalesOrder", "drop_after_commit")
    lost = qbd_submission_run(submission=submission)
    copy = qb.sandbox.autofy("POST", "/SalesOrder", json=lost.steps.get().request).json()["Contents"][0]["Object"]
    stuck = qbd_submission_run(submission=lost)
    assert stuck.state == State.NEEDS_ATTENTION and copy["ID"] in stuck.last_error
    assert all(order["ID"] in stuck.last_error for order in marked(qb.sandbox, tag_of(stuck)))
    assert qbd_submission_run(submission=stuck).state == State.NEEDS_ATTENTION  # nothing without a person
    submission_close(submission=stuck, user=sales_user, note="Deleted the copy in QuickBooks.")
    assert Submission.objects.get(pk=stuck.pk).state == State.CLOSED


# --- refusals -----------------------------------------------------------------------------------------

def refused_by_quickbooks(qb, user, draft) -> Submission:
    failed = qbd_submission_run(submission=start(qb, user, draft))
    assert failed.state == State.FAILED, failed.last_error
    assert failed.last_error.startswith("QuickBooks did not accept the order.")
    return failed


def test_an_unknown_customer_is_marked_on_the_customer(qb, sales_user):
    failed = refused_by_quickbooks(qb, sales_user, make_draft(qb.sandbox, customer=Ref("80000999-1234567890")))
    errors = qbd_submission_form_errors(submission=failed)
    assert list(errors.fields) == ["customer_id"] and "does not know this customer" in errors.fields["customer_id"][0]
    # Said once: the page's banner has it, with QuickBooks' request id (not a second message in general).
    assert "general" not in errors.sections and errors.tracking_id == failed.last_tracking_id != ""
    assert failed.last_error.startswith("QuickBooks did not accept the order. QuickBooks does not know this customer")


def test_an_inactive_item_is_marked_on_its_line_and_a_sub_line_s_on_its_sub_line(qb, sales_user):
    fax = lookup(qb.sandbox, "Item", "Fax Machine FX-1")
    draft = make_draft(qb.sandbox)
    on_line = refused_by_quickbooks(qb, sales_user, replace(draft, lines=(
        draft.lines[0], QbLineDraft(item=fax, quantity=Decimal(1)))))
    assert qbd_submission_form_errors(submission=on_line).lines == {
        1: {"item_id": ["QuickBooks does not know this item (it may have been deleted or made inactive there): "
                        "pick it again, or another."]}}
    group = draft.lines[1]
    in_group = refused_by_quickbooks(qb, sales_user, replace(draft, lines=(
        draft.lines[0], replace(group, sub_lines=(group.sub_lines[0], QbLineDraft(item=fax, quantity=Decimal(1)))))))
    assert list(qbd_submission_form_errors(submission=in_group).lines[1]) == ["sub_lines.1.item_id"]


@pytest.mark.parametrize("field", ["terms_id", "tax_code_id"])
def test_an_unknown_reference_is_marked_where_it_was_picked(qb, sales_user, field):
    draft = make_draft(qb.sandbox)
    if field == "terms_id":
        draft = replace(draft, refs={"terms": Ref("80000999-1")})
        expected = ("fields", "terms_id")
    else:
        draft = replace(draft, lines=(*draft.lines[:4], replace(draft.lines[4], tax_code=Ref("80000999-2"))))
        expected = ("lines", 4)
    errors = qbd_submission_form_errors(submission=refused_by_quickbooks(qb, sales_user, draft))
    assert list(getattr(errors, expected[0])) == [expected[1]]
    if field == "tax_code_id":
        assert list(errors.lines[4]) == ["tax_code_id"]


def test_a_date_in_a_closed_period_is_marked_on_the_date(qb, sales_user):
    failed = refused_by_quickbooks(qb, sales_user, make_draft(qb.sandbox, date=dt.date(2026, 5, 1), due_date=None))
    assert "closed up to this date" in qbd_submission_form_errors(submission=failed).fields["date"][0]


def test_the_credit_limit_is_marked_on_the_customer(qb, sales_user):
    chair = lookup(qb.sandbox, "Item", "Task Chair TC-100")
    failed = refused_by_quickbooks(qb, sales_user, make_draft(
        qb.sandbox, customer=lookup(qb.sandbox, "Customer", "Kenosha Marine Supply"), refs={}, lines=(
            QbLineDraft(item=chair, quantity=Decimal(10)),)))
    assert "credit limit" in qbd_submission_form_errors(submission=failed).fields["customer_id"][0]


def test_another_currency_than_the_customer_s_is_marked_on_the_currency(qb, sales_user):
    euro = lookup(qb.sandbox, "Currency", "Euro")
    failed = refused_by_quickbooks(qb, sales_user, make_draft(qb.sandbox, refs={"currency": euro}))
    assert list(qbd_submission_form_errors(submission=failed).fields) == ["currency_id"]


def refusal(qb, body: dict) -> UpstreamError:
    """QuickBooks' answer to ``body`` sent as is (what the builder's checks never let through)."""
    with pytest.raises(UpstreamError) as caught:
        connector_for(qb.connection).client.create_sales_order(body)
    return caught.value


def test_values_too_long_for_quickbooks_are_marked_where_they_were_typed(qb):
    draft = make_draft(qb.sandbox)
    address = replace(draft, billing_address=PostalAddress(lines=("B" * 42,)))
    errors = qbd_form_errors(refusal(qb, autofy_payloads.sales_order_body(address, tag="SOA:x")), address)
    assert (errors.fields, errors.lines) == ({"bill_line1": ["Too long for QuickBooks (or too many digits)."]}, {})
    lines = (*draft.lines[:4], replace(draft.lines[4], description="D" * 4096))
    long_line = replace(draft, lines=lines)
    errors = qbd_form_errors(refusal(qb, autofy_payloads.sales_order_body(long_line, tag="SOA:x")), long_line)
    assert list(errors.lines) == [4] and list(errors.lines[4]) == ["description"]
    rate = replace(draft, lines=(replace(draft.lines[0], rate=Decimal("1.123456")),))
    errors = qbd_form_errors(refusal(qb, autofy_payloads.sales_order_body(rate, tag="SOA:x")), rate)
    assert list(errors.lines[0]) == ["rate"]


def test_a_quantity_on_a_discount_and_both_prices_are_marked_on_the_line(qb):
    draft = make_draft(qb.sandbox)
    body = autofy_payloads.sales_order_body(draft, tag="SOA:x")
    body["ItemLines"][3]["Quantity"] = 1
    assert list(qbd_form_errors(refusal(qb, body), draft).lines) == [3]
    both = replace(draft, lines=(replace(draft.lines[0], rate_percent=Decimal(5)),))
    body = autofy_payloads.sales_order_body(both, tag="SOA:x")
    body["ItemLines"][0]["Rate"] = 189
    assert qbd_form_errors(refusal(qb, body), both).lines == {0: {"rate_percent": [
        "Give a rate or a percentage, not both."]}}


def test_a_refusal_the_form_cannot_place_is_said_in_general(qb):
    error = refusal(qb, {"Customer": {"ID": lookup(qb.sandbox, "Customer", "Addison Dental Group").id}})
    errors = qbd_form_errors(error, make_draft(qb.sandbox))
    assert errors.sections == {"lines": ["Add a line: QuickBooks needs at least one on an order."]}
    assert placed_reason(errors) == "Add a line: QuickBooks needs at least one on an order."


def test_a_refusal_is_never_sent_again_by_itself_and_a_correction_is_sent(qb, sales_user):
    fax = lookup(qb.sandbox, "Item", "Fax Machine FX-1")
    draft = make_draft(qb.sandbox)
    failed = refused_by_quickbooks(qb, sales_user, replace(draft, lines=(QbLineDraft(item=fax, quantity=Decimal(1)),)))
    since = qb.sandbox.last_call_id()
    assert send_due(qb.connection).as_dict() == {"sent": 0, "waiting": 0, "held": 0, "failed": 0,
                                                 "needs_attention": 0}
    assert tasks.schedule_sending() == 0 and qb.sandbox.calls(since) == []
    corrected = qbd_submission_revise(submission=failed, draft=draft)
    assert corrected.state == State.PENDING and not corrected.form_errors
    assert qbd_submission_revise(submission=corrected, draft=draft) == corrected  # a double click
    sent = qbd_submission_run(submission=corrected)
    assert sent.state == State.SUCCEEDED and len(posts(qb.sandbox, since)) == 1
    [order] = marked(qb.sandbox, tag_of(sent))
    assert order["ID"] == sent.upstream_ref and len(order["ItemLines"]) == 5
    assert outcomes(sent) == [Outcome.FAILED, Outcome.SUCCEEDED]  # no look needed after a refusal


def test_an_order_that_may_be_in_quickbooks_cannot_be_changed(qb, sales_user):
    qb.sandbox.autofy_fault("POST /SalesOrder", "drop_after_commit")
    lost = qbd_submission_run(submission=start(qb, sales_user))
    with pytest.raises(SubmissionConflict, match="waiting for quickbooks: it can be corrected only after"):
        qbd_submission_revise(submission=lost, draft=make_draft(qb.sandbox, memo="other"))
    Submission.objects.filter(pk=lost.pk).update(state=State.FAILED)  # as a run that stopped unexpectedly leaves it
    with pytest.raises(SubmissionConflict, match="may already have this order"):
        qbd_submission_revise(submission=lost, draft=make_draft(qb.sandbox, memo="other"))
