"""A sales person who uses only the keyboard signs in, skips to the content, filters the list, opens an
order, duplicates it, picks a customer from the search results with the arrow keys, adds a line with
a product and sends the order. Every element that takes the focus on the way shows it clearly (an
outline or a ring, in the accent colour), and the focus is never lost or trapped."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# What the focused element shows: its outline or ring, and whether the browser takes the focus as
# keyboard focus (:focus-visible).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 ? style.outlineColor : null;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    visible: el.matches(":focus-visible"), focus: el.matches(":focus"), hasFocus: document.hasFocus(), outline, shadow: style.boxShadow, href: el.getAttribute("href"),
  };
}"""
ACCENT = "rgb(79, 70, 229)"


def focused(page) -> dict:
    """The focused element, which must show the focus: an accent outline of 2 px or more, or an accent
    ring (once its transition has run)."""
    try:
        page.wait_for_function(
            """(accent) => {
              const el = document.activeElement;
              // On a date box's own calendar button (inside the box): Chrome draws its focus ring there.
              if (el && el.matches("input[type=date]:not(:focus)")) return true;
              if (!el || el === document.body || !el.matches(":focus-visible")) return false;
              const style = getComputedStyle(el);
              const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 && style.outlineColor === accent;
              return outline || style.boxShadow.includes(accent);
            }""", arg=ACCENT, timeout=5_000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"the focus does not show: {page.evaluate(FOCUS)}") from None
    return page.evaluate(FOCUS)


def tab_to(page, selector: str, *, limit: int = 150, backwards: bool = False) -> dict:
    """Press Tab (Shift+Tab) until the element matching ``selector`` has the focus; every element on
    the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = focused(page)
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return state
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def htmx_idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_from_the_list_to_a_sent_copy_with_the_keyboard_alone(page, e2e_upstream, sample_orders):
    user = User.objects.create_user("kari", password="demo", first_name="Kari")
    user.groups.add(Group.objects.get_or_create(name="Sales")[0])

    # Sign in: the user name has the focus; Tab to the password; Enter signs in.
    page.goto("/c/nordlys/orders/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("kari")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    focused(page)
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/$"))
    expect(page.locator("#order-table tbody tr").first).to_be_visible()

    # The first Tab shows the skip link; Enter moves to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    focused(page)
    assert skip.bounding_box()["y"] >= 0  # on screen, not parked above it
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Filter: the "Invoiced" tab, then fewer rows per page chosen with the arrow keys.
    tab_to(page, ".tab[href*='status=Invoice']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"status=Invoice"))
    htmx_idle(page)
    tab_to(page, "#id_page_size", backwards=True)
    page.keyboard.press("ArrowUp")  # a closed drop-down changes with the arrow keys
    expect(page).to_have_url(re.compile(r"page_size="))
    htmx_idle(page)

    # The pager, then the first order on the page.
    tab_to(page, "a[rel=next]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"cursor="))
    htmx_idle(page)
    order = tab_to(page, "a.order-link", backwards=True)
    page.keyboard.press("Enter")
    order_id = int(re.search(r"/c/nordlys/orders/(\d+)/", order["href"])[1])
    expect(page.get_by_role("heading", name=f"Order #{order_id}")).to_be_visible()

    # Duplicate it.
    page.goto(f"/c/nordlys/orders/{sample_orders['plain']}/")  # an order whose copy can be sent as it is
    tab_to(page, "a[href*='?from=']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/new/\?from="))

    # Another customer, from the search results: arrows down and up, Enter picks.
    tab_to(page, "#id_customer_query")
    page.keyboard.press("Control+a")
    page.keyboard.type("Fjord")
    options = page.locator("#customer-results .picker__option")
    expect(options.nth(1)).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(options.nth(0)).to_be_focused()
    focused(page)
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_be_focused()
    focused(page)
    page.keyboard.press("ArrowUp")
    expect(options.nth(0)).to_be_focused()
    name = options.nth(0).locator(".picker__name").inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("#id_customer_name")).to_have_value(name)
    expect(page.locator("#id_customer_name")).to_be_focused()  # where the picked details are
    htmx_idle(page)
    expect(page.locator("#builder-body")).to_have_count(1)  # what changed with it redrawn in place, once
    focused(page)

    # Escape closes a list of matches; the search box keeps the focus.
    tab_to(page, "#id_customer_query", backwards=True)
    page.keyboard.press("Control+a")
    page.keyboard.type("Fjordk")
    expect(options.first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#customer-results")).to_be_hidden()
    expect(page.locator("#id_customer_query")).to_be_focused()

    # Add a line (Space on the button), pick a product for it, move it up, type a quantity.
    total = page.locator("#id_lines-TOTAL_FORMS")
    count = int(total.input_value())
    tab_to(page, "#add-line")
    page.keyboard.press(" ")
    expect(total).to_have_value(str(count + 1))
    query = page.locator(f"#id_lines-{count}-product_query")
    expect(query).to_be_focused()
    htmx_idle(page)
    focused(page)
    # Typed slowly (a busy machine), a shorter query's results can show while the last search still waits out
    # its delay: wait for the search of what was typed, so the arrows work on its results.
    with page.expect_response(lambda answer: "product_query=KON-1001" in answer.url):
        page.keyboard.type("KON-1001")
    htmx_idle(page)
    product = page.locator(f"#line-{count}-products .picker__option").first
    expect(product).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(product).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#id_lines-{count}-description")).to_have_value(re.compile("Seniorkonsulent"))
    expect(page.locator(f"#id_lines-{count}-quantity")).to_be_focused()
    htmx_idle(page)
    focused(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    tab_to(page, f"#move-up-{count}", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator(f"#id_lines-{count - 1}-description")).to_have_value(re.compile("Seniorkonsulent"))
    htmx_idle(page)
    focused(page)  # on the moved line's own buttons
    expect(page.locator(f"#id_lines-{count - 1}-quantity")).to_have_value("3")
    for position in range(count - 2, -1, -1):  # on to the top, where its "up" button is disabled
        page.keyboard.press("Enter")
        expect(page.locator(f"#id_lines-{position}-description")).to_have_value(re.compile("Seniorkonsulent"))
        htmx_idle(page)
        focused(page)
    expect(page.locator("#move-down-0")).to_be_focused()

    # Send it.
    tab_to(page, "#builder-submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("was created in 24SevenOffice")
