"""Logging helpers for ``sandbox.settings.LOGGING`` (importable before Django's apps are loaded)."""

import logging

# The middleware marks a request answered by an injected fault (or the failure rate) with this attribute.
FAULT_ATTRIBUTE = "sandbox_fault"


class HideInjectedFaults(logging.Filter):
    """Django logs every 5xx response as an error. Injected ones are expected, and the sandbox's own
    log line for the call already names the fault, so drop Django's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(getattr(record, "request", None), FAULT_ATTRIBUTE, None)
