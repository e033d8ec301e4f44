"""How the Autofy stand-in answers injected faults (``sandbox.faults``): the same kinds as for ``/v1``,
with Autofy's envelope and codes, plus three of its own: ``error_200`` and ``error_after_commit`` (an HTTP
200 that carries an error, before or after the write was applied), and ``offline_after_commit`` (the write
is applied, then the agent goes offline: the answer is the offline error, and every request after it too,
until ``agent_offline`` is set back to false). A fault's ``code`` replaces the default code of its answer.
"""

from django.http import HttpRequest, HttpResponse

from sandbox import knobs
from sandbox.autofy.envelope import AutofyError, envelope, error, respond
from sandbox.autofy.gate import AGENT_MESSAGES
from sandbox.autofy.models import AutofyConfig
from sandbox.faults import Answers
from sandbox.models import Fault

# kind -> (HTTP status, default code, message)
REFUSALS = {
    "500": (500, 1303, "Internal server error."),
    "503": (503, 1303, "The service is unavailable for use: planned maintenance."),
    "401": (401, 1401, "A required header was invalid in your request: x-api-key."),
    "error_200": (200, 1300, "An unknown error happened when interacting with the endpoint."),
}
AFTER_COMMIT = {"error_after_commit": (200, 1301, "An unknown error happened when constructing response.")}


def _answer(request: HttpRequest, status: int, code: int, message: str, headers: dict | None = None) -> HttpResponse:
    return respond(envelope(request, [], errors=[error(code, message)]), status, headers)


class AutofyAnswers(Answers):
    api = "autofy"

    def refuse(self, request: HttpRequest, fault: Fault) -> HttpResponse | None:
        if fault.kind not in REFUSALS:
            return None
        status, code, message = REFUSALS[fault.kind]
        headers = {"Retry-After": str(fault.retry_after)} if fault.kind == "503" else None
        return _answer(request, status, fault.code or code, message, headers)

    def after_commit(self, request: HttpRequest, fault: Fault, response: HttpResponse) -> HttpResponse | None:
        if fault.kind == "offline_after_commit":
            return _offline_after_commit(request, fault)
        if fault.kind not in AFTER_COMMIT:
            return None
        status, code, message = AFTER_COMMIT[fault.kind]
        return _answer(request, status, fault.code or code, message)

    def failure(self, request: HttpRequest) -> HttpResponse:
        return AutofyError(1303, "The service is unavailable for use (failure_rate).", status=503,
                           headers={"Retry-After": "1"}).response(request)


def _offline_after_commit(request: HttpRequest, fault: Fault) -> HttpResponse:
    """The PC running QuickBooks goes off right after QuickBooks saved the write: the agent is offline from
    now on (``agent_offline``, as ``POST /_sandbox/autofy/config`` sets it), and this answer is already the
    offline one (the knobs' ``offline_code`` and ``offline_status``, or the fault's ``code``), so the client
    is told nothing of the saved order."""
    config = AutofyConfig.current()
    config.agent_offline = True
    config.save(update_fields=["agent_offline"])
    knobs.changed()
    code = fault.code or config.offline_code
    return _answer(request, config.offline_status, code, AGENT_MESSAGES.get(code, AGENT_MESSAGES[1600]))


AUTOFY = AutofyAnswers()
