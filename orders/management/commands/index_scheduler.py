"""Keep the order indexes fresh and QuickBooks orders moving: every ``INDEX_SYNC_INTERVAL_SECONDS``, enqueue a
sync of every QuickBooks connection (a sync already waiting is not enqueued twice), a sync of its reference
data (customers, items…) where one is due (``REFERENCE_SYNC_INTERVAL_SECONDS``; at once for a company whose
reference data was never read), and the sending of its orders that wait for QuickBooks or are in doubt
(``tasks.schedule_sending``), and the settling of 24SevenOffice orders in doubt whose sender left the page
(``tasks.schedule_settling``). The tasks themselves run in ``manage.py db_worker``. ``--once`` enqueues once
and stops (for cron)."""

import logging
import signal
import sys
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from orders import tasks

logger = logging.getLogger("orders.tasks")


class Command(BaseCommand):
    help = ("Enqueue index syncs of every QuickBooks connection, every INDEX_SYNC_INTERVAL_SECONDS, its "
            "reference data syncs when due, the sending of its waiting orders, and the settling of 24SevenOffice "
            "orders in doubt whose sender left the page.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue once and stop")
        parser.add_argument("--interval", type=float, default=None, help="seconds between rounds")

    def handle(self, *args, once, interval, **options):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        every = interval or tasks.interval()
        while True:
            close_old_connections()
            try:
                count = tasks.schedule_syncs()
                if count:
                    logger.info("Enqueued %d index sync(s)", count)
                count = tasks.schedule_reference_syncs()
                if count:
                    logger.info("Enqueued %d reference data sync(s)", count)
                count = tasks.schedule_sending()
                if count:
                    logger.info("Enqueued the sending of waiting QuickBooks orders of %d company(ies)", count)
                if tasks.schedule_settling():
                    logger.info("Enqueued the settling of 24SevenOffice orders in doubt")
            except Exception:  # a database hiccup must not stop the scheduler
                logger.exception("Could not enqueue index syncs or sendings")
            if once:
                return
            time.sleep(every)
