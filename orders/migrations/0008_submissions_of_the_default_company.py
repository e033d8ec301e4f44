"""Orders saved before ERP connections existed belong to the default company (the one the old
/orders/ addresses lead to): say so in the database, so every submission names its company."""

from django.db import migrations


def to_default(apps, schema_editor):
    ErpConnection = apps.get_model("orders", "ErpConnection")
    Submission = apps.get_model("orders", "Submission")
    default = ErpConnection.objects.filter(is_default=True).first()
    if default is not None:
        Submission.objects.filter(connection__isnull=True).update(connection=default)


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_order_index")]

    operations = [migrations.RunPython(to_default, migrations.RunPython.noop)]
