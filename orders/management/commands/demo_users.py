"""Create the demo groups and users: ``sales`` (group Sales) and ``admin`` (group Admins, staff),
both with the password ``demo``. Idempotent; refuses outside demo mode."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.context_processors import ADMINS_GROUP, SALES_GROUP

DEMO_PASSWORD = "demo"
DEMO_USERS = (
    # username, first name, last name, group, is_staff
    ("sales", "Sam", "Seller", SALES_GROUP, False),
    ("admin", "Ada", "Admin", ADMINS_GROUP, True),
)


class Command(BaseCommand):
    help = "Create the demo users sales/demo and admin/demo (only when DEMO_MODE is on)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "Refusing to create demo users: DEMO_MODE is off (SALESADMIN_ENV=production). "
                "Demo users with a known password must never exist in production."
            )
        User = get_user_model()
        with transaction.atomic():
            groups = {name: Group.objects.get_or_create(name=name)[0] for name in (SALES_GROUP, ADMINS_GROUP)}
            for username, first_name, last_name, group, is_staff in DEMO_USERS:
                user, created = User.objects.get_or_create(username=username)
                user.first_name, user.last_name = first_name, last_name
                user.is_staff = is_staff
                user.is_active = True
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.set([groups[group]])
                verb = "Created" if created else "Updated"
                self.stdout.write(f"{verb} {username} / {DEMO_PASSWORD} ({group}{', staff' if is_staff else ''})")
