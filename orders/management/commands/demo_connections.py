"""Create the demo's two ERP connections on the embedded sandbox: a Norwegian company on 24SevenOffice
(the default) and a US company on QuickBooks Desktop through Autofy, both seen by the demo groups.
Idempotent; refuses outside demo mode."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.context_processors import ADMINS_GROUP, SALES_GROUP
from orders.models import ErpConnection

DEMO_CONNECTIONS = (
    # slug, company, kind, settings, default
    ("nordlys", "Nordlys Kontorservice AS", ErpConnection.Kind.TSO, {}, True),
    ("lakeshore", "Lakeshore Supply Co.", ErpConnection.Kind.QBD_AUTOFY,
     {"time_zone": "America/Chicago", "home_currency": "USD",
      # The seed's custom fields on sales orders (sandbox/autofy/seed/catalog.py).
      "order_custom_fields": "Contract #:15, Delivery Window:30, Project Phase:20"}, False),
)


class Command(BaseCommand):
    help = "Create the demo's ERP connections on the sandbox (only when DEMO_MODE is on)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Refusing to create demo connections: DEMO_MODE is off (SALESADMIN_ENV=production).")
        with transaction.atomic():
            groups = [Group.objects.get_or_create(name=name)[0] for name in (SALES_GROUP, ADMINS_GROUP)]
            for slug, name, kind, own, default in DEMO_CONNECTIONS:
                if default:
                    ErpConnection.objects.exclude(slug=slug).filter(is_default=True).update(is_default=False)
                connection, created = ErpConnection.objects.update_or_create(
                    slug=slug, defaults={"name": name, "kind": kind, "settings": own, "is_default": default,
                                         "is_active": True})
                connection.groups.add(*groups)
                self.stdout.write(f"{'Created' if created else 'Updated'} connection {slug}: {connection}")
