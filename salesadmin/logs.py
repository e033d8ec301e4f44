"""Logging filters for the console handler (``settings.LOGGING``)."""

from __future__ import annotations

import copy
import logging

from django.core.exceptions import PermissionDenied


class RefusalsWithoutTraceback(logging.Filter):
    """A refused request (403: someone opened what they may not) is logged as Django words it, "Forbidden
    (Permission denied): /path", without the traceback Django attaches. It is an expected answer, not a
    fault in the code; a traceback at WARNING made every such visit look like a crash in the log.
    Records at ERROR and above keep theirs, whatever the exception."""

    def filter(self, record: logging.LogRecord) -> bool | logging.LogRecord:
        if record.levelno < logging.ERROR and record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            # A copy for this handler (Python 3.12+): other handlers of the record still get its traceback.
            shown = copy.copy(record)
            shown.exc_info = shown.exc_text = None
            return shown
        return True
