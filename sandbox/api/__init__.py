"""The HTTP API of the sandbox: ``/oauth/token``, the 24SevenOffice routes under ``/v1`` and the
control API under ``/_sandbox``. ``sandbox.urls`` lists every route with the scope it needs."""
