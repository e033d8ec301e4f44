"""``runsandbox [--host 127.0.0.1] [--port 8001] [--workers 1]``: serve the sandbox over HTTP
(threaded, keep-alive).

Prints ``Sandbox listening on http://HOST:PORT`` once bound (``--port 0`` picks a free port and prints
it) and stops cleanly on SIGTERM or SIGINT.

``--workers N`` forks N-1 more processes listening on the same port (``SO_REUSEPORT``): a real ERP
answers concurrent calls in parallel, and one Python process would serialise them on its GIL, making
the dashboard's concurrent fetches look slower than they are. Workers share everything through the
database (data, config, faults, tokens, call log) and die with the parent (``PR_SET_PDEATHSIG``).

The Autofy agent starts calm: its knobs back to their defaults (online, no delay, the documented
limits) and fresh rate windows, so an agent left offline by an earlier run does not greet a new demo.
"""

import ctypes
import os
import signal
import sys

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.core.management.base import BaseCommand

from sandbox import knobs
from sandbox.autofy import gate
from sandbox.autofy.models import AutofyConfig
from sandbox.server import make_server


class Command(BaseCommand):
    help = "Serve the 24SevenOffice sandbox over HTTP."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SANDBOX_WORKERS", "1")))

    def handle(self, *args, host, port, workers, **options):
        AutofyConfig.objects.update_or_create(pk=1, defaults=AutofyConfig.DEFAULTS)
        gate.reset_rate_windows()
        knobs.changed()
        shared = workers > 1
        server = make_server(host, port, WSGIHandler(), shared_port=shared)
        children = [self.fork_worker(host, server) for _ in range(workers - 1)]
        self.stdout.write(f"Sandbox listening on http://{host}:{server.server_port}")
        self.stdout.flush()
        try:
            self.serve(server)
        finally:
            for pid in children:
                try:
                    os.kill(pid, signal.SIGTERM)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass

    def serve(self, server) -> None:
        """Serve until SIGTERM or SIGINT."""
        # Hold one database connection open while serving. SQLite checkpoints and removes the WAL
        # file whenever its last connection closes, which would otherwise happen after every request
        # (each request closes its own connection) and slow every request down.
        connection.ensure_connection()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        try:
            server.serve_forever()
        except SystemExit:
            pass
        finally:
            server.server_close()

    def fork_worker(self, host: str, parent_server) -> int:
        connection.close()  # never share an SQLite connection across fork
        pid = os.fork()
        if pid:
            return pid
        # The worker: die with the parent, own socket on the shared port, serve until told to stop.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(0)
        parent_server.socket.close()
        try:
            self.serve(make_server(host, parent_server.server_port, WSGIHandler(), shared_port=True))
        finally:
            os._exit(0)

    @staticmethod
    def stop(signum, frame):
        sys.exit(0)
