"""The browser dashboard at `/ui`: pages over the HTTP API, in the same process, with the same tokens.

The pages decide and query nothing themselves: every figure is fetched from the
API's own routes (in-process, through the ASGI app, with the signed-in token), and
every action is an upstream message posted to `POST /messages`. So the dashboard
and the API never disagree, and a role the API refuses is refused here too.
"""
