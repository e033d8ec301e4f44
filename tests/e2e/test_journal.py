"""The admins' journal of submissions on a laptop: both companies' orders side by side, each saying which
company it belongs to and in what currency its total is, the table within its card."""

import pytest
from playwright.sync_api import expect

from orders.models import Submission
from tests.e2e.test_accessibility import make_user, sign_in, signed_in_client

pytestmark = pytest.mark.e2e

FITS = """() => {
  const wrap = document.querySelector(".table-wrap"), card = wrap.closest(".card");
  return {scroll: wrap.scrollWidth - wrap.clientWidth, beyond: wrap.getBoundingClientRect().right - card.getBoundingClientRect().right};
}"""


def test_the_journal_mixes_companies_and_keeps_within_its_card_at_1366(page, live_server, e2e_upstream,
                                                                      stored_submission, qbd_stored_submission,
                                                                      quickbooks):
    sales, admin = make_user("kari", "Sales"), make_user("ada", "Admins")
    stored_submission(signed_in_client(sales), "rejected")  # a long refusal in "What happened"
    qbd_stored_submission(sales, "succeeded")
    qbd_stored_submission(sales, "waiting")
    sign_in(page, live_server, signed_in_client(admin))
    page.set_viewport_size({"width": 1366, "height": 800})

    page.goto("/submissions/")

    rows = page.locator(".table--submissions tbody tr")
    expect(rows).to_have_count(3)
    found = page.evaluate(FITS)
    assert found["scroll"] <= 1 and found["beyond"] <= 1, found
    expect(rows.filter(has_text="Lakeshore Supply Co.")).to_have_count(2)
    expect(rows.filter(has_text="Nordlys Kontorservice AS")).to_have_count(1)
    succeeded = rows.filter(has=page.locator(".badge--succeeded"))
    expect(succeeded.locator("td.num").last).to_contain_text("USD")
    Submission.objects.all().delete()
