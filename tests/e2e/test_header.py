"""The header at laptop and tablet widths: the brand, the company, the navigation and the user's menu never
cover one another. Above 1180 px they share one row, and the company's name shows whole when there is room
(its ERP's name gives way first). From 1180 px down the navigation takes a row of its own (phones:
``test_phones.py``).

Measured as an admin (the longest navigation) on the QuickBooks company (the longest ERP name:
"QuickBooks Desktop (Autofy)")."""

import pytest

from tests.e2e.helpers import log_in
from tests.e2e.test_phones import assert_header_fits

pytestmark = pytest.mark.e2e

PARTS = (".topbar__inner > .brand", ".env-badge", ".company__current", ".mainnav", ".topbar__user")
MEASURE = """(parts) => {
  const boxes = parts.map((selector) => document.querySelector(selector))
    .filter(Boolean).map((el) => [el.className, el.getBoundingClientRect()]);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, first] = boxes[i], [b, second] = boxes[j];
    const across = Math.min(first.right, second.right) - Math.max(first.left, second.left);
    const down = Math.min(first.bottom, second.bottom) - Math.max(first.top, second.top);
    if (across > 1 && down > 1) overlaps.push(`${a} covers ${b} by ${Math.round(across)} px`);
  }
  const name = document.querySelector(".company__current .company__name");
  const brand = document.createRange();
  brand.selectNodeContents(document.querySelector(".brand__name"));
  const middle = (box) => box.top + box.height / 2;
  const first = middle(boxes[0][1]);
  return {
    overlaps,
    rows: boxes.some(([, box]) => Math.abs(middle(box) - first) > 10) ? 2 : 1,
    brandLines: new Set([...brand.getClientRects()].map((line) => Math.round(line.top))).size,
    nameCut: name.scrollWidth > name.clientWidth + 1,
  };
}"""


@pytest.mark.parametrize("width", [1400, 1300, 1240, 1181, 1180, 1024, 901, 768])
def test_the_header_parts_never_cover_one_another(page, qbd_upstream, width):
    page.set_viewport_size({"width": 1400, "height": 800})
    log_in(page, "ada", group="Admins", start="/c/lakeshore/orders/")
    page.set_viewport_size({"width": width, "height": 800})
    page.reload()
    found = page.evaluate(MEASURE, list(PARTS))
    assert found["overlaps"] == [], found
    assert found["brandLines"] == 1, f"the product's name wraps at {width} px"
    assert_header_fits(page, admin=True)
    if width > 1180:
        assert found["rows"] == 1, f"the header takes more than one row at {width} px: {found}"
    if width >= 1300:
        assert not found["nameCut"], f"the company's name is cut at {width} px"


def test_the_company_switcher_closes_on_escape_and_on_a_click_elsewhere(page, qbd_upstream):
    from playwright.sync_api import expect

    log_in(page, "ada", group="Admins", start="/c/lakeshore/orders/")
    switcher, current = page.locator(".company__switch"), page.locator(".company__current")
    current.click()
    expect(switcher).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(switcher).not_to_have_attribute("open", "")
    expect(current).to_be_focused()
    current.click()
    expect(switcher).to_have_attribute("open", "")
    page.mouse.click(700, 760)  # anywhere else on the page
    expect(switcher).not_to_have_attribute("open", "")
    current.click()
    page.evaluate("document.activeElement.blur()")  # the focus left on the page (as after some clicks)
    page.keyboard.press("Escape")
    expect(switcher).not_to_have_attribute("open", "")
    current.click()  # and its own button still opens and closes it
    expect(switcher).to_have_attribute("open", "")
    current.click()
    expect(switcher).not_to_have_attribute("open", "")
