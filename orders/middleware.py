"""Every web request gets a budget for its ERP calls: ``ERP_PAGE_DEADLINE_SECONDS`` for all of them,
and at most one bulkhead permit per ERP connection (see ``orders.erp.deadline``). Opening a
budget costs nothing for a page that never calls the ERP."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from orders import connections
from orders.erp import deadline


class ErpBudgetMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with deadline.budget(settings.ERP_PAGE_DEADLINE_SECONDS):
            return self.get_response(request)


class ConnectionMiddleware:
    """Pages under ``/c/<slug>/`` work on that ERP connection: the view gets ``request.erp_connection``
    (not the slug), and the service layer uses it (``orders.connections.using``). A connection the
    user may not see does not exist for them: 404, never 403. Below the login check, so someone
    signed out is sent to sign in first. Times on the company's pages are in its zone
    (``connections.company_zone``: a QuickBooks company's PC; the dashboard's for 24SevenOffice)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.erp_connection = None
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_erp_connection_token", None)
            if token is not None:
                connections._current.reset(token)
                timezone.deactivate()

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        slug = view_kwargs.pop("connection", None)
        if slug is None:
            return None
        connection = connections.for_user(request.user, slug)
        if connection is None:
            raise Http404("No such company.")
        request.erp_connection = connection
        request._erp_connection_token = connections._current.set(connection)
        timezone.activate(connections.company_zone(connection))
        return None
