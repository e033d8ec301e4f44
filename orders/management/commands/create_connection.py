"""Create or update an ERP connection, for production set-up scripts:

    manage.py create_connection --slug nordlys --name "Nordlys Kontor AS" --kind tso \\
        --setting organization_id=1000001 --setting client_id=abc --secret-env TSO_CLIENT_SECRET \\
        --group Sales --group Admins --default

The secret itself is never given here: ``--secret-env`` names the environment variable that holds it
(the kind's default when left out: TSO_CLIENT_SECRET, AUTOFY_API_KEY). Running it again updates the
connection with the same slug.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders import connections
from orders.models import ErpConnection


class Command(BaseCommand):
    help = "Create or update an ERP connection (the secret is named by its environment variable, never given)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True, help="the company, as the header shows it")
        parser.add_argument("--kind", required=True, choices=ErpConnection.Kind.values)
        parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                            help="a setting of the kind (repeat it); see orders/connections.py SETTINGS")
        parser.add_argument("--secret-env", default="", help="the environment variable holding the secret")
        parser.add_argument("--group", action="append", default=[], help="a group that sees it (repeat it)")
        parser.add_argument("--default", action="store_true", help="where the old /orders/ addresses lead")

    def handle(self, *args, slug, name, kind, setting, secret_env, group, default, **options):
        values = {}
        for item in setting:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--setting takes NAME=VALUE, not {item!r}.")
            values[key.strip()] = value.strip()
        connection = ErpConnection.objects.filter(slug=slug).first() or ErpConnection(slug=slug)
        connection.name, connection.kind, connection.settings = name, kind, values
        connection.secret_env = secret_env
        connection.is_default = default or connection.is_default
        try:
            connection.full_clean(exclude=["groups"])
            connections.validate(connection)
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in error.message_dict.items())) from error
        with transaction.atomic():
            if connection.is_default:
                ErpConnection.objects.exclude(slug=slug).filter(is_default=True).update(is_default=False)
            connection.save()
            if group:
                connection.groups.set(Group.objects.get_or_create(name=name)[0] for name in group)
        self.stdout.write(f"Connection {connection.slug}: {connection} "
                          f"(secret from ${connections.secret_env(connection)})")
