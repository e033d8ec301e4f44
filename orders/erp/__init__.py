"""Everything that knows an upstream ERP.

* ``http``: the one HTTP choke point (pooled session, time-outs, the page's deadline, size cap,
  retries for safe calls); ``deadline``: a web request's ERP budget and the bulkhead per connection;
  ``errors``: the ``UpstreamError`` family every connector maps its failures onto.
* ``tso/``: 24SevenOffice REST v1: ``client`` (authentication, error envelope), ``reading``
  (JSON → domain), ``payloads`` (domain → request bodies).

Nothing outside this package knows an upstream's field names or status codes.
"""
