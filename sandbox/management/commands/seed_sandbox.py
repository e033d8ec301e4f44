"""``seed_sandbox [--anchor YYYY-MM-DD] [--if-empty] [--seed N]``: fill the sandbox with demo data, for
both stand-ins: 24SevenOffice (``sandbox.seed``) and Autofy's QuickBooks company file
(``sandbox.autofy.seed``).

The same anchor and seed always give identical data. The anchor defaults to today; ``--if-empty``
leaves existing data alone, unless an older version of the generator made it.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sandbox import knobs
from sandbox import seed as seeding
from sandbox.autofy import control as autofy_control
from sandbox.models import SalesOrder, SeedState


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--anchor must be a date like 2026-11-16, not {value!r}") from None


class Command(BaseCommand):
    help = "Seed the sandbox with deterministic demo data."

    def add_arguments(self, parser):
        parser.add_argument("--anchor", type=iso_date, help="the 'today' of the data (default: today)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when data exists")

    def handle(self, *args, anchor, seed: int, if_empty: bool, **options):
        if if_empty and SalesOrder.objects.exists():
            if SeedState.objects.filter(pk=1, version=seeding.SEED_VERSION).exists():
                self.stdout.write("The sandbox already has data; leaving it as it is.")
                return
            self.stdout.write("The sandbox's data was made by an older version of the seed: seeding it again.")
        anchor = anchor or timezone.localdate()
        dataset = seeding.generate(anchor, seed)
        seeding.install(dataset)
        autofy_control.restore(anchor, seed)
        knobs.changed()
        autofy = autofy_control.counts()
        self.stdout.write(
            f"Seeded the sandbox (anchor {anchor}, seed {seed}): {len(dataset.orders)} orders, "
            f"{len(dataset.lines)} lines, {len(dataset.customers)} customers, {len(dataset.products)} products; "
            f"Autofy: {autofy['salesOrders']} sales orders ({autofy['deletedSalesOrders']} more deleted), "
            f"{autofy['customers']} customers and jobs, {autofy['items']} items."
        )

