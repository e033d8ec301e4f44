"""Every web request gets a budget for its ERP calls: ``ERP_PAGE_DEADLINE_SECONDS`` for all of them,
and at most one bulkhead permit per ERP connection (see ``orders.erp.deadline``). Opening a
budget costs nothing for a page that never calls the ERP."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from orders.erp import deadline


class ErpBudgetMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with deadline.budget(settings.ERP_PAGE_DEADLINE_SECONDS):
            return self.get_response(request)
