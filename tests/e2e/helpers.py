"""What several browser tests do: sign in as a new user of a group, wait for htmx, pick a product, add a line,
pick a QuickBooks item, and hold a request in flight."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect


def log_in(page, username: str, *, group: str = "Sales", start: str = "/c/nordlys/orders/") -> None:
    """Create ``username`` (password "demo") in ``group`` and sign in on the way to ``start``."""
    user = User.objects.create_user(username, password="demo", first_name=username.title())
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    page.goto(start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(start.split("?")[0]) + r"(\?.*)?$"))
    # The address changes before the page has loaded: htmx wires its fields up on load, and a field typed
    # into before that sends nothing.
    page.wait_for_load_state("load")


def htmx_idle(page) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def pick_product(page, index: int, product: dict) -> None:
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator(f"#id_lines-{index}-product_query").fill(product["number"])
    page.locator(f"#line-{index}-products .picker__option").first.click()
    # Picking swaps the line's row in: wait for it before typing into it.
    expect(page.locator(f"#id_lines-{index}-description")).to_have_value(product["name"])


def add_line(page, index: int) -> None:
    """Press "Add line" and wait for line ``index`` to be drawn."""
    page.locator("#add-line").click()
    expect(page.locator(f"#line-{index}")).to_be_visible()
    htmx_idle(page)


def pick_qbd_item(page, index: int, name: str) -> None:
    """Search the QuickBooks builder's line ``index`` for the item ``name`` and pick it."""
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator(f"#id_lines-{index}-item_query").fill(name)
    page.locator(f"#line-{index}-items .picker__option", has_text=name).first.click()
    expect(page.locator(f"#id_lines-{index}-item_query")).to_have_value(name)
    htmx_idle(page)


class Held:
    """Holds each POST to ``url`` whose body holds ``sent`` (a button's name, ``confirm=1``) in flight, so that a
    test can look at the page meanwhile: ``wait()`` for one, then ``release()`` it (and stop holding), or
    ``abort()`` it (a lost connection; the next one is held too)."""

    def __init__(self, page, url, sent: str) -> None:
        self.page, self.url, self.sent, self.routes = page, url, sent, []
        page.route(url, self._route)

    def _route(self, route) -> None:
        if route.request.method == "POST" and self.sent in (route.request.post_data or ""):
            self.routes.append(route)
        else:
            route.continue_()

    def wait(self) -> None:
        while not self.routes:
            self.page.wait_for_timeout(10)

    def abort(self) -> None:
        self.routes.pop(0).abort()

    def release(self) -> None:
        self.routes.pop(0).continue_()
        self.page.unroute(self.url)
