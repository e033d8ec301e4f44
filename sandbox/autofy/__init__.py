"""A stand-in for Autofy's data API for QuickBooks Desktop, served by the sandbox beside the 24SevenOffice
one: ``/autofy/v2/data/{endpointID}/{Object}[/{ID}]`` (production: ``https://api.getautofy.com/v2/data/…``).

* ``views``: the routes' entry point; ``gate``: API key and endpoint, rate limit, the agent (offline, one
  request at a time across processes, slow); ``envelope``: Autofy's answer and its errors; ``query``: the
  strict query string.
* ``salesorders`` (reading) and ``writing`` (POST, PATCH) with ``shape`` (seed 002's object and QuickBooks'
  field limits), ``pricing`` (QuickBooks' amounts, also used by the seed) and ``references`` (3140);
  ``lists``: the reference lists.
* ``decisions``: every behaviour chosen where Autofy's documentation is silent, in one place.
* ``control``: the knobs under ``/_sandbox/autofy/``; ``faults``: Autofy's answers to injected faults.
* ``models``: the company file's tables (part of the ``sandbox`` app); ``seed``: its deterministic data.
"""
