"""The dashboard's pages, one module per page family. Each view binds a form, calls one service,
and picks a template: ``browse`` (order list and detail), ``builder`` (the order builder and sending),
``submissions`` (the journal and failed orders, for admins), ``health``."""
