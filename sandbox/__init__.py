"""A stand-in for the 24SevenOffice REST API v1, served over real HTTP.

The dashboard talks to it with ``requests`` exactly as it would to the real API. Run it with
``DJANGO_SETTINGS_MODULE=sandbox.settings python -m django runsandbox``; see ``sandbox.api`` for the
routes and ``sandbox.api.control`` for the knobs (latency, failures, faults, reset).
"""
