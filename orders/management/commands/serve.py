"""Serve the dashboard with waitress (one process, a pool of threads).

``manage.py serve --with-sandbox --with-worker`` is what ``make demo`` runs: it starts the embedded
sandbox upstream (``sandbox/``) as a second process on its own port, waits until it answers, then serves
the dashboard, which reaches the sandbox over real HTTP through the same client code as production.
``--with-worker`` also runs the background worker (``db_worker``) and the index scheduler
(``index_scheduler``) as processes of their own, so QuickBooks' order indexes and reference data fill and
stay fresh.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the dashboard (and, with --with-sandbox, the sandbox upstream beside it)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--with-sandbox", action="store_true",
                            help="also run the sandbox upstream at SANDBOX_URL (demo and development only)")
        parser.add_argument("--with-worker", action="store_true",
                            help="also run the background worker and the index scheduler (one process each)")

    def handle(self, *args, host, port, threads, with_sandbox, with_worker, **options):
        from waitress import serve

        from salesadmin.wsgi import application

        # Everything loaded so far (Django, the app, its templates' modules) lives as long as the
        # process: out of the garbage collector's sight, its collections during requests stay short.
        gc.collect()
        gc.freeze()
        proxy = _proxy_options()
        spare = threads - settings.ERP_BULKHEAD_THREADS
        if spare < 2:
            # The bulkhead keeps threads free for pages without ERP calls only when it is smaller.
            self.stderr.write(self.style.WARNING(
                f"ERP_BULKHEAD_THREADS={settings.ERP_BULKHEAD_THREADS} leaves {max(spare, 0)} of {threads} threads "
                "for the login page, static files and /healthz while the ERP is slow: keep it 2 or more below "
                "--threads."
            ))
        sandbox = self._start_sandbox() if with_sandbox else None
        helpers = self._start_worker() if with_worker else []
        try:
            url = f"http://{host}:{port}/"
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Sales Orders Admin is running at {url}"))
            if with_sandbox:
                self.stdout.write(f"  upstream: the sandbox at {settings.SANDBOX_URL} (24SevenOffice REST v1 stand-in)")
                self.stdout.write("  log in as  sales / demo   (sales staff)")
                self.stdout.write("         or  admin / demo   (admin: raw upstream data and trace ids)")
                self.stdout.write(f"  sandbox knobs: {settings.SANDBOX_URL}/_sandbox/config (see README)")
            if with_worker:
                self.stdout.write("  background: db_worker and index_scheduler (QuickBooks order indexes and reference data)")
            self.stdout.write("  press Ctrl+C to stop")
            self.stdout.write("")
            serve(application, host=host, port=port, threads=threads, ident="salesadmin",
                  clear_untrusted_proxy_headers=True, _quiet=True, **proxy)
        finally:
            for process in [*helpers, *([sandbox] if sandbox is not None else [])]:
                _stop(process)

    def _start_worker(self) -> list[subprocess.Popen]:
        """The tasks worker and the scheduler that enqueues index syncs, each a process of its own."""
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        commands = ([*manage, "db_worker", "--no-reload", "--interval", "1"], [*manage, "index_scheduler"])
        return [subprocess.Popen(command, cwd=Path(settings.BASE_DIR), start_new_session=True)
                for command in commands]

    def _start_sandbox(self) -> subprocess.Popen:
        if not settings.DEMO_MODE:
            raise CommandError("The sandbox runs only outside production (SALESADMIN_ENV=development).")
        parts = urlsplit(settings.SANDBOX_URL)
        sandbox_host, sandbox_port = parts.hostname or "127.0.0.1", parts.port or 8001
        if _answers(settings.SANDBOX_URL):
            raise CommandError(
                f"Something already answers at {settings.SANDBOX_URL}. Stop it (an earlier demo?) "
                "or choose another port with SANDBOX_PORT=…"
            )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings"}
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runsandbox", "--host", sandbox_host, "--port", str(sandbox_port),
             "--workers", "3"],
            env=env, cwd=Path(settings.BASE_DIR), start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(f"The sandbox stopped at start-up (exit code {process.returncode}).")
            if _answers(settings.SANDBOX_URL):
                # A demo starts calm: no latency, failures or faults left over from an earlier run.
                requests.post(f"{settings.SANDBOX_URL}/_sandbox/config", timeout=5,
                              json={"latency_ms": 0, "failure_rate": 0.0, "denied_scopes": []})
                requests.delete(f"{settings.SANDBOX_URL}/_sandbox/faults", timeout=5)
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
                return process
            time.sleep(0.2)
        process.kill()
        raise CommandError(f"The sandbox did not answer at {settings.SANDBOX_URL} within 20 seconds.")


def _proxy_options() -> dict:
    """Waitress's options for the TLS proxy in front of it (``DJANGO_TRUSTED_PROXY``): from that peer
    only, X-Forwarded-Proto becomes the request's scheme and X-Forwarded-For its client address (what
    sign-in throttling counts). Everyone else's forwarded headers are dropped."""
    if not settings.TRUSTED_PROXY:
        if settings.SECURE_SSL_REDIRECT:
            # Every request would look like plain HTTP and be redirected to HTTPS, forever.
            raise CommandError(
                "Set DJANGO_TRUSTED_PROXY to the address of the TLS proxy in front of the dashboard (or "
                "\"*\" when nothing else can reach it). With DJANGO_SECURE_SSL_REDIRECT on (the production "
                "default) the dashboard must learn from the proxy that a request came over HTTPS."
            )
        return {}
    return {
        "trusted_proxy": settings.TRUSTED_PROXY,
        "trusted_proxy_count": settings.TRUSTED_PROXY_COUNT,
        "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
    }


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/_sandbox/state", timeout=1)
    except requests.RequestException:
        return False
    return True
