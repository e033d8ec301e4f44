"""A submission's stored message says what happened, not what to press: the builder adds its own next step
("Press Try again", "You can leave this page"), so messages stored before say it once, not twice."""

import re

from django.db import migrations

# The page's instructions as earlier messages held them.
NEXT_STEPS = re.compile(r"(?<=Nothing was lost): press Try again(?: to continue from line \d+)?(?=\.)| You can leave this page\.")


def without_next_steps(apps, schema_editor):
    Submission = apps.get_model("orders", "Submission")
    for submission in Submission.objects.filter(last_error__regex=r"press Try again|You can leave this page").only("last_error"):
        said = NEXT_STEPS.sub("", submission.last_error)
        if said != submission.last_error:
            Submission.objects.filter(pk=submission.pk).update(last_error=said)


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_quickbooks_submissions")]

    operations = [migrations.RunPython(without_next_steps, migrations.RunPython.noop)]
