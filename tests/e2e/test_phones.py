"""Phones and tablets: no page scrolls sideways at 360, 390 and 430 px (nor on a 768 px tablet), and
what a person needs is on screen at 390 px: Log out, a list row's customer and total, the builder's
"Create order", pickers and banners.

An admin and a sales person go through every page and the states that matter (a list with results,
orders with a changed customer, totals that disagree and many lines, the builder empty, with several
lines and a picked product, its search results open, a stored submission with a banner, submissions,
failed orders, a step's history, the 404 page, the sign-in page). At each, the window is narrowed to
each width and measured; axe-core checks the main states at 390 px as well (stacked tables keep their
semantics, nothing scrolls without a way to reach it by keyboard).

The QuickBooks builder (empty, then with a group, a discount and a non-taxable line) has its lines as cards
at 390 px: every field with its label drawn over it and no label without its field, a group's sub-lines
indented under it, the amounts whole and flush right, and the field being typed into never under the action
bar; then the order QuickBooks refused, the order it made (a group and a discount) and its submission."""

import base64
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders import money
from orders.erp.tso import reading as tso_reading
from tests.e2e.helpers import add_line, htmx_idle, log_in, pick_qbd_item

pytestmark = pytest.mark.e2e

PHONE = 390
WIDTHS = (360, 390, 430, 768)
HEIGHT = 800

# What sticks out of the window sideways. The page must not scroll (scrollWidth), and no element may
# reach past the window's edges unless a container between it and the page clips or scrolls it
# (a strip that scrolls inside itself, such as the status tabs, is allowed; whether something clipped
# is still readable is checked separately, on what matters).
MEASURE = """() => {
  const width = window.innerWidth;
  const contained = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if ((box.right > width + 0.5 || box.left < -0.5) && !contained(el)) {
      out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}"""


def sign_in_on_a_phone(page, username: str, group: str, start: str = "/c/nordlys/orders/") -> None:
    page.set_viewport_size({"width": PHONE, "height": HEIGHT})
    page.goto("/accounts/login/")
    assert_fits(page, "the sign-in page")
    log_in(page, username, group=group, start=start)


def assert_fits(page, where: str) -> None:
    """At every width, the page does not scroll sideways; then back to the phone's width."""
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            seen = page.evaluate(MEASURE)
            assert seen["scrollWidth"] <= seen["width"] and not seen["out"], (
                f"{where} at {width} px: the page is {seen['scrollWidth']} px wide; sticking out: {seen['out']}")
    finally:
        page.set_viewport_size({"width": PHONE, "height": HEIGHT})


def assert_on_screen(locator, where: str, *, whole_text: bool = False) -> None:
    """Visible, inside the window from side to side (and top to bottom as the page is scrolled now);
    with ``whole_text``, its text is not cut off by an ellipsis."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    viewport = locator.page.viewport_size
    assert box["x"] >= -0.5 and box["x"] + box["width"] <= viewport["width"] + 0.5, f"{where}: {box} is off screen"
    assert box["y"] >= -0.5 and box["y"] + box["height"] <= viewport["height"] + 0.5, f"{where}: {box} is off screen"
    if whole_text:
        assert locator.evaluate("el => el.scrollWidth <= el.clientWidth"), f"{where}: its text is cut off"


# The width a <select>'s chosen words need, and the room it gives them (inside its padding and arrow).
# ``words``: other words to measure in its font (None: the chosen option's).
SELECT_TEXT_ROOM = """(el, words) => {
  const style = getComputedStyle(el);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = words || el.options[el.selectedIndex].text;
  return {text, need: context.measureText(text).width,
          room: el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
}"""


def assert_header_fits(page, *, admin: bool) -> None:
    """Log out on screen; every navigation link reachable (on screen, or in the row that scrolls)."""
    page.evaluate("window.scrollTo(0, 0)")
    assert_on_screen(page.get_by_role("button", name="Log out"), "Log out")
    links = ["Orders", "New order"] + (["Failed orders", "Submissions"] if admin else [])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_count(len(links))
    for name in links:
        link = nav.get_by_role("link", name=re.compile(rf"^{name}"))
        link.scroll_into_view_if_needed()
        assert_on_screen(link, f"the {name} link")
    nav.evaluate("nav => { nav.scrollLeft = 0; }")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_table_stacks(page, table_selector: str) -> None:
    """The table is laid out as rows of blocks: nothing of it scrolls inside a container either."""
    table = page.locator(table_selector).first
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth && t.parentElement.scrollWidth <= t.parentElement.clientWidth"), (
        f"{table_selector} scrolls sideways")


def search_and_pick_product(page, index: int, product: dict) -> None:
    """Search a line's product: the results fit and are on screen; pick the first."""
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator(f"#id_lines-{index}-product_query").fill(product["number"])
    option = page.locator(f"#line-{index}-products .picker__option").first
    expect(option).to_be_visible()
    assert_fits(page, f"line {index + 1}'s product search")
    option.scroll_into_view_if_needed()
    assert_on_screen(option, "a product search result")
    option.click()
    expect(page.locator(f"#id_lines-{index}-description")).to_have_value(product["name"])
    htmx_idle(page)


# The words a QuickBooks line's card shows over each field: by the field's name, or by the class of what it shows.
QBD_FIELD_LABELS = {
    "item_query": "Item", "line__sub-item": "Item in the group", "description": "Description", "quantity": "Qty",
    "line__unit-name": "U/M", "rate": "Rate", "rate_percent": "Rate %", "amount": "Typed amount", "qbd-amount": "Amount",
    "tax_code_id": "Tax", "class_id": "Class", "site_id": "Site", "line__fixed": "Description",
}

# Each field a line's card shows with the words drawn over it (its cell's ``::before`` labels the cell's first
# field, its ``::after`` the second, set beside it), and how far the field sits below the top of its cell (room
# for the words); then the cells that draw more labels than they show fields (a label over nothing).
CARD_FIELDS = """(table) => {
  const FIELDS = "input:not([type=hidden]), select, .qbd-amount, .line__sub-item, .line__unit-name, .line__fixed";
  const shown = (el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.height > 0; };
  const drawn = (cell, which) => {
    const style = getComputedStyle(cell, which);
    const words = style.display === "none" ? null : /^"([^"]+)"/.exec(style.content);
    return words ? words[1] : "";
  };
  const fieldsOf = (cell) => [...cell.querySelectorAll(FIELDS)].filter(shown);
  const fields = [...table.querySelectorAll(FIELDS)].filter(shown).map((field) => {
    const cell = field.closest("td");
    const k = fieldsOf(cell).indexOf(field);
    const name = field.name ? field.name.split("-").pop() : field.classList[0];
    return {where: `${field.closest("tr").id || field.closest("tbody").id} ${name}`, name,
            label: k > 1 ? "" : drawn(cell, k ? "::after" : "::before"),
            room: Math.round(field.getBoundingClientRect().top - cell.getBoundingClientRect().top)};
  });
  const orphans = [...table.querySelectorAll("td")].filter(shown).flatMap((cell) => {
    const labels = [drawn(cell, "::before"), drawn(cell, "::after")].filter(Boolean);
    return labels.length > fieldsOf(cell).length ? [`${cell.closest("tr").id || cell.closest("tbody").id} ${cell.className}: ${labels}`] : [];
  });
  return {fields, orphans};
}"""

# Each amount a card shows: whole, its size, and how far its figures stop short of the card's right edge.
CARD_AMOUNTS = """(table) => [...table.querySelectorAll(".qbd-amount")].filter((el) => el.offsetWidth).map((el) => {
  const figures = document.createRange();
  figures.selectNodeContents(el);
  const card = el.closest("tr");
  const edge = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
  return {id: el.id, text: el.textContent.trim(), whole: el.scrollWidth <= el.clientWidth,
          size: parseFloat(getComputedStyle(el).fontSize), short: edge - figures.getBoundingClientRect().right};
})"""


def assert_line_cards_labelled(page, where: str) -> set[str]:
    """At the phone's width every field of every line's card has its own label over it, and no label stands
    over nothing; the names of the fields seen."""
    seen = page.locator("table[data-line-rows]").evaluate(CARD_FIELDS)
    assert seen["fields"], f"{where}: no line's fields are shown"
    unlabelled = [field for field in seen["fields"]
                  if field["label"] != QBD_FIELD_LABELS.get(field["name"]) or field["room"] < 14]
    assert not unlabelled, f"{where}: fields without their label over them: {unlabelled[:6]}"
    assert not seen["orphans"], f"{where}: labels over nothing: {seen['orphans'][:6]}"
    return {field["name"] for field in seen["fields"]}


def assert_amounts_legible(page, where: str) -> None:
    """Every amount in the cards is whole, at least 13 px, and flush with its card's right edge."""
    amounts = page.locator("table[data-line-rows]").evaluate(CARD_AMOUNTS)
    assert amounts, f"{where}: no amounts shown"
    bad = [a for a in amounts if not a["whole"] or a["size"] < 13 or not -0.5 <= a["short"] <= 1]
    assert not bad, f"{where}: amounts cut off, small or not right-aligned: {bad}"


def assert_set_in(group, subs, where: str) -> None:
    """A group's row and its sub-lines' rows: the sub-lines are set in from the group, and end where it ends."""
    expect(subs.first).to_be_visible()
    outer = group.bounding_box()
    for sub in subs.all():
        box = sub.bounding_box()
        assert box["x"] >= outer["x"] + 8 and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5, (
            f"{where}: a sub-line is not set in under its group: {box} under {outer}")


def assert_above_the_action_bar(page, selector: str) -> None:
    """A field that the action bar at the bottom hides is scrolled above it once it has the focus (as when it is
    tabbed to)."""
    field, bar = page.locator(selector), page.locator(".action-bar")
    field.evaluate("""(field) => {
      const bar = document.querySelector(".action-bar").getBoundingClientRect();
      window.scrollBy(0, field.getBoundingClientRect().top - bar.top - 4);
    }""")
    box = field.bounding_box()
    assert box["y"] > bar.bounding_box()["y"], f"{selector} at {box} should start under the action bar"
    field.focus()
    box, cover = field.bounding_box(), bar.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= cover["y"], f"{selector} at {box} is under the action bar at {cover}"


def orders_worth_showing(sandbox) -> list[int]:
    """An order whose customer changed since (the comparison), a legacy one whose totals disagree with
    its lines (the warning and its small table), and a big one (many lines)."""
    orders = sandbox.api("GET", "/salesorders", params={"limit": 1000}).json()
    changed = next(o for o in orders if o["customer"]["name"] == "Oslo Byggrengjøring AS")
    marked = [o for o in orders if o.get("internalMemo") == "Importert fra tidligere fakturasystem"]
    for legacy in marked:
        lines = tso_reading.lines(sandbox.api("GET", f"/salesorders/{legacy['id']}/lines").json())
        computed = money.totals((line.tax_rate, line.amounts) for line in lines)
        if abs(computed.gross - Decimal(str(legacy["grossAmount"]))) > money.tolerance(len(lines)):
            break
    else:
        pytest.fail("the sandbox has no legacy order whose totals disagree with its lines")
    big = next(o for o in orders if o["customer"]["name"] == "Vestlandske Bygg & Anlegg AS")
    return [changed["id"], legacy["id"], big["id"]]


def test_an_admin_on_a_phone(page, e2e_upstream, assert_accessible):
    sandbox = e2e_upstream
    consultant = sandbox.api("GET", "/products", params={"productNumber": "KON-1001"}).json()[0]
    coffee = sandbox.api("GET", "/products", params={"productNumber": "MAT-5001"}).json()[0]
    details = orders_worth_showing(sandbox)
    sign_in_on_a_phone(page, "ada", "Admins")

    # The list: readable rows, the customer and total of each on screen and whole.
    rows = page.locator("#order-table tbody tr")
    expect(rows.first).to_be_visible()
    assert_fits(page, "the order list")
    assert_header_fits(page, admin=True)
    assert_table_stacks(page, "#order-table table")
    first = rows.first
    first.scroll_into_view_if_needed()
    assert_on_screen(first.locator("td").nth(2).locator(".truncate"), "a row's customer", whole_text=True)
    assert_on_screen(first.locator("td").nth(6), "a row's total", whole_text=True)
    assert_on_screen(first.locator(".badge"), "a row's status")
    # The status tabs scroll inside their own strip; the pager fits.
    assert_accessible(page, "the order list at 390 px")
    tabs = page.get_by_role("navigation", name="Order status")
    assert tabs.evaluate("el => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX === 'auto'")
    pager = page.get_by_role("navigation", name="Pages")
    pager.scroll_into_view_if_needed()
    assert_on_screen(pager, "the pager")
    # A status tab off to the side: scrolled to, it swaps the table, which still fits.
    page.get_by_role("link", name="Advance invoice").click()
    expect(page).to_have_url(re.compile(r"status=AdvanceInvoice"))
    htmx_idle(page)
    assert_fits(page, "the order list of one status")

    # Orders: the customer then and now, totals that disagree, many lines.
    for order_id in details:
        page.goto(f"/c/nordlys/orders/{order_id}/")
        expect(page.get_by_role("heading", name=f"Order #{order_id}")).to_be_visible()
        assert_fits(page, f"order #{order_id}")
        assert_table_stacks(page, ".table--lines")
        page.get_by_text("Upstream data").click()  # admins: the raw answers scroll inside themselves
        expect(page.locator(".json").first).to_be_visible()
        assert_fits(page, f"order #{order_id} with its upstream data")
        assert_accessible(page, f"order #{order_id} with its upstream data at 390 px")
    expect(page.locator(".totals-warning")).to_have_count(0)
    page.goto(f"/c/nordlys/orders/{details[1]}/")
    expect(page.locator(".totals-warning")).to_be_visible()
    page.goto(f"/c/nordlys/orders/{details[0]}/")
    expect(page.locator(".table--compare .is-changed").first).to_be_visible()

    # The builder, empty: "Create order" stays on screen as the page scrolls.
    page.goto("/c/nordlys/orders/new/")
    page.wait_for_load_state()
    assert_fits(page, "the builder")
    assert_header_fits(page, admin=True)
    submit = page.get_by_role("button", name="Create order")
    assert_on_screen(submit, "Create order")
    page.locator("#lines-heading").scroll_into_view_if_needed()
    assert_on_screen(submit, "Create order, scrolled to the lines")

    # A customer searched (results open) and picked; three lines, one a text line, products picked.
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Ærø")
    option = page.locator("#customer-results .picker__option").first
    expect(option).to_be_visible()
    assert_fits(page, "the builder's customer search")
    assert_on_screen(option, "a customer search result")
    option.click()
    expect(page.locator("#id_customer_name")).to_have_value("Ærø Bøker AS")
    htmx_idle(page)
    search_and_pick_product(page, 0, consultant)
    page.locator("#id_lines-0-quantity").fill("3")
    page.locator("#add-line").click()
    expect(page.locator("#line-1")).to_be_visible()
    htmx_idle(page)
    page.locator("#id_lines-1-type").select_option("text")
    expect(page.locator("#id_lines-1-quantity")).to_have_count(0)
    htmx_idle(page)
    page.locator("#id_lines-1-description").fill("Levering avtalt med lager, rampe 3")
    page.locator("#add-line").click()
    expect(page.locator("#line-2")).to_be_visible()
    htmx_idle(page)
    search_and_pick_product(page, 2, coffee)
    # A number out of bounds: its message fits too.
    page.locator("#id_lines-2-discount_rate").fill("150")
    expect(page.locator("#id_lines-2-discount_rate_error")).not_to_be_empty()
    assert_fits(page, "the builder with a line's message")
    page.locator("#id_lines-2-discount_rate").fill("10")
    expect(page.locator("#id_lines-2-discount_rate_error")).to_be_empty()
    htmx_idle(page)
    assert_fits(page, "the builder with three lines")
    assert_accessible(page, "the builder with three lines at 390 px")
    assert_table_stacks(page, ".table--builder")
    # Each line is a card: its fields are on screen, one under the other.
    line = page.locator("#line-2")
    line.scroll_into_view_if_needed()
    for field in ("product_query", "description", "quantity", "price", "discount_rate", "tax_id"):
        control = page.locator(f"#id_lines-2-{field}")
        control.scroll_into_view_if_needed()
        assert_on_screen(control, f"line 3's {field}")
    assert_on_screen(page.get_by_role("button", name="Remove line 3"), "line 3's remove button")
    assert_on_screen(page.locator("#line-2-amounts .amounts__gross"), "line 3's gross amount", whole_text=True)
    assert_on_screen(submit, "Create order, among the lines")
    assert_on_screen(page.locator("#builder-grand-total"), "the total in the action bar", whole_text=True)

    # The ERP turns the order away: the stored submission's page with its banner.
    sandbox.fault("POST /salesorders", "503")
    submit.click()
    banner = page.locator("#builder-banner")
    expect(banner).to_be_visible()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/new/[0-9a-f-]{36}/$"))
    page.reload()
    expect(banner).to_be_visible()
    assert_fits(page, "a stored submission with its banner")
    banner.scroll_into_view_if_needed()
    assert_on_screen(banner.get_by_role("button", name="Try again"), "the banner's Try again")
    # The page's one next step: the action bar does not offer the same button again.
    expect(page.get_by_role("button", name="Try again")).to_have_count(1)
    expect(page.locator("#builder-submit")).to_have_count(0)
    # Tried again, turned away again: the banner is swapped in anew, and the step has a history.
    sandbox.fault("POST /salesorders", "503")
    banner.get_by_role("button", name="Try again").click()
    expect(banner.get_by_role("button", name="Try again")).to_be_enabled()
    htmx_idle(page)
    assert_fits(page, "a submission turned away twice")
    assert_accessible(page, "a stored submission at 390 px")

    # The submissions, the failed orders, a submission's steps.
    for path, what in (("/submissions/", "the submissions"), ("/submissions/failed/", "the failed orders")):
        page.goto(path)
        row = page.locator(".table--submissions tbody tr").first
        expect(row).to_be_visible()
        assert_fits(page, what)
        assert_header_fits(page, admin=True)
        assert_table_stacks(page, ".table--submissions")
        assert_accessible(page, f"{what} at 390 px")
        assert_on_screen(row.locator(".cell-customer .truncate"), f"{what}: a row's customer", whole_text=True)
        assert_on_screen(row.locator("td").nth(5), f"{what}: a row's total", whole_text=True)
    page.locator(".table--submissions .order-link").first.click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/\?from=failed$"))  # opened from the failed orders
    page.get_by_text("Every attempt").first.click()
    page.get_by_text("Request and response").first.click()
    assert_fits(page, "a submission")
    assert_accessible(page, "a submission with its attempts at 390 px")

    page.goto("/no/such/page/")
    assert_fits(page, "the 404 page")
    assert_header_fits(page, admin=True)


def test_a_sales_person_on_a_phone(page, e2e_upstream):
    sign_in_on_a_phone(page, "kari", "Sales")
    expect(page.locator("#order-table tbody tr").first).to_be_visible()
    assert_fits(page, "the order list")
    assert_header_fits(page, admin=False)

    page.locator("a.order-link").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"Order #\d+"))).to_be_visible()
    assert_fits(page, "an order")
    assert_header_fits(page, admin=False)

    page.get_by_role("link", name="New order").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/new/$"))
    page.wait_for_load_state()
    assert_fits(page, "the builder")
    assert_on_screen(page.get_by_role("button", name="Create order"), "Create order")

    # A dimension: its type and its value each show their whole words.
    page.get_by_role("button", name="Add dimension").click()
    kind = page.get_by_label("Dimension 1 type")
    kind.select_option(label="Department")
    htmx_idle(page)
    value = page.get_by_label("Dimension 1 value")
    # The value's longest words ("Choose a value…" once the type's values are read), whatever it shows now.
    for select, words in ((kind, None), (value, None), (value, "Choose a value…")):
        assert_on_screen(select, "a dimension's select")
        room = select.evaluate(SELECT_TEXT_ROOM, words)
        assert room["need"] <= room["room"], f"a dimension's select cuts {room['text']!r}: {room}"
    assert_fits(page, "the builder with a dimension")

    page.goto("/c/nordlys/orders/999999999/")
    assert_fits(page, "an order that does not exist")


# How much darker than white each side of an element is (0 white, 255 black), on average down its first
# and its last column of pixels, read from a screenshot of it.
EDGE_SHADES = """async (png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const shade = (x) => {
    const data = context.getImageData(x, 0, 1, bitmap.height).data;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += 255 - (data[i] + data[i + 1] + data[i + 2]) / 3;
    return sum / bitmap.height;
  };
  return {left: shade(0), right: shade(bitmap.width - 1)};
}"""


def edge_shades(strip) -> dict:
    """The strip's own background at its two edges: what it holds is hidden for the screenshot."""
    hide = "(el, shown) => el.querySelectorAll('*').forEach((child) => { child.style.visibility = shown ? '' : 'hidden'; })"
    strip.evaluate(hide, False)
    try:
        return strip.page.evaluate(EDGE_SHADES, base64.b64encode(strip.screenshot(animations="disabled")).decode())
    finally:
        strip.evaluate(hide, True)


def test_a_strip_that_scrolls_sideways_shows_which_side_has_more(page, e2e_upstream):
    """The status tabs and (below 1180 px) the navigation scroll inside themselves and show no scrollbar:
    a shadow on a side says there is more that way, and none where the strip ends."""
    log_in(page, "ada", group="Admins")
    expect(page.locator("#order-table tbody tr").first).to_be_visible()
    for width, strip in ((390, page.locator(".tabs")), (360, page.get_by_role("navigation", name="Main"))):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        assert strip.evaluate("(el) => el.scrollWidth > el.clientWidth"), f"the strip fits at {width} px"
        strip.evaluate("(el) => { el.scrollLeft = 0; }")
        start = edge_shades(strip)
        assert start["right"] > start["left"] + 8, f"at {width} px, scrolled to its start: {start}"
        strip.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
        end = edge_shades(strip)
        assert end["left"] > end["right"] + 8, f"at {width} px, scrolled to its end: {end}"

    page.set_viewport_size({"width": 1366, "height": HEIGHT})  # everything fits: no shadow either side
    for strip in (page.locator(".tabs"), page.get_by_role("navigation", name="Main")):
        assert not strip.evaluate("(el) => el.scrollWidth > el.clientWidth")
        shades = edge_shades(strip)
        assert shades["left"] < 4 and shades["right"] < 4, shades


def test_a_quickbooks_order_on_a_phone(page, quickbooks, qbd_references_cached, settings, assert_accessible):
    # ``quickbooks``: the company file as seeded again afterwards (the order sent here is not left behind)
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    sign_in_on_a_phone(page, "ada", "Admins", start="/c/lakeshore/orders/new/")

    # The builder, empty: its line a card, each field labelled.
    expect(page.locator("#line-0")).to_be_visible()
    assert_fits(page, "the QuickBooks builder")
    assert_header_fits(page, admin=True)
    seen = assert_line_cards_labelled(page, "the QuickBooks builder, empty")
    assert seen == set(QBD_FIELD_LABELS) - {"line__sub-item", "line__unit-name", "line__fixed"}, seen
    assert_accessible(page, "the QuickBooks builder at 390 px")

    # A customer; a group with its sub-lines, chairs, a discount (no quantity) and freight (not taxable).
    page.get_by_label("Find a customer or job").fill("Addison")
    page.locator("#customer-results .picker__option", has_text="Addison Dental Group").click()
    expect(page.locator("#id_bill_line2")).to_have_value("4410 N Western Ave")
    htmx_idle(page)
    pick_qbd_item(page, 0, "Workstation Bundle")
    add_line(page, 1)
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator("#id_lines-1-item_query").fill("Chair")
    option = page.locator("#line-1-items .picker__option").first
    expect(option).to_be_visible()
    assert_fits(page, "line 2's item search")
    pick_qbd_item(page, 1, "Task Chair TC-100")
    page.locator("#id_lines-1-quantity").fill("4")
    expect(page.locator("#line-1-amount")).to_have_text("756.00")
    add_line(page, 2)
    pick_qbd_item(page, 2, "Volume Discount")
    add_line(page, 3)
    pick_qbd_item(page, 3, "Freight")
    page.locator("#id_lines-3-rate").fill("85")
    expect(page.locator("#line-3-amount")).to_have_text("85.00")
    expect(page.locator("#id_lines-3-tax_code_id option:checked")).to_have_text("Non")
    htmx_idle(page)
    assert_fits(page, "the QuickBooks builder with a group, a discount and freight")
    assert_table_stacks(page, ".table--qbd-builder")
    assert_line_cards_labelled(page, "the QuickBooks builder with a group, a discount and freight")
    expect(page.locator("#line-2 td.line__quantity")).to_be_hidden()  # a discount has no quantity: no "Qty"
    expect(page.locator("#line-2 td.line__rate .input")).to_have_count(2)
    assert_set_in(page.locator("#line-0 > tr:not(.line--sub)"), page.locator("#line-0 > tr.line--sub"), "the builder")
    assert_amounts_legible(page, "the QuickBooks builder")
    assert_accessible(page, "the QuickBooks builder with a group, a discount and freight at 390 px")
    for field in ("#id_lines-0-sub_lines-3-rate", "#id_lines-1-rate_percent", "#id_lines-3-site_id"):
        assert_above_the_action_bar(page, field)

    # QuickBooks refuses the date (its closed period): the stored submission's page, its banner and the message.
    page.locator("#id_date").fill("2026-01-02")
    htmx_idle(page)
    page.locator("#builder-submit").click()
    banner = page.locator("#builder-banner")
    expect(banner).to_contain_text("QuickBooks refused the order")
    page.reload()
    expect(banner).to_be_visible()
    assert_fits(page, "a QuickBooks order refused")
    assert_line_cards_labelled(page, "a QuickBooks order refused")
    assert_on_screen(page.locator("#builder-submit"), "the action bar's send button")
    assert_accessible(page, "a QuickBooks order refused at 390 px")

    # Corrected and sent: the new order's page with its group and discount.
    page.locator("#id_date").fill("2026-11-16")
    htmx_idle(page)
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/lakeshore/orders/[0-9A-F]+-\d+/$"), timeout=20_000)
    assert_fits(page, "a QuickBooks order")
    assert_header_fits(page, admin=True)
    assert_table_stacks(page, ".table--qbd-lines")
    assert_set_in(page.locator(".table--qbd-lines tr.line--group"), page.locator(".table--qbd-lines tr.line--sub"), "the order")
    for row in (page.locator(".table--qbd-lines tr.line--group"), page.locator(".table--qbd-lines tr", has_text="Volume Discount")):
        row.scroll_into_view_if_needed()
        assert_on_screen(row.locator(".line__desc"), "a line's description", whole_text=True)
        assert_on_screen(row.locator("td.num--strong"), "a line's amount", whole_text=True)
    # A line's tax reads as its code and what that means, not "Tax Tax taxable".
    tax = page.locator(".table--qbd-lines tr", has_text="Task Chair TC-100").first.locator("td[data-label='Tax code']")
    expect(tax).to_have_text("Tax (taxable)")
    assert_accessible(page, "a QuickBooks order with a group and a discount at 390 px")

    # The journal and the submission's page, every attempt open.
    page.goto("/submissions/")
    row = page.locator(".table--submissions tbody tr").first
    expect(row).to_contain_text("Addison Dental Group")
    assert_fits(page, "the submissions with a QuickBooks order")
    assert_table_stacks(page, ".table--submissions")
    assert_on_screen(row.locator("td").nth(5), "the QuickBooks order's total", whole_text=True)
    row.locator(".order-link").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}/$"))
    for toggle in page.locator("main summary").all():
        toggle.click()
    assert_fits(page, "a QuickBooks submission")
    assert_accessible(page, "a QuickBooks submission with its attempts at 390 px")
