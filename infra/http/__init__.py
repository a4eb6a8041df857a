"""The HTTP service (`antrian serve`): an entry point over the read models, the engine's writes and tokens.

It decides nothing itself: reads go to the read models the projections keep
(caught up first in the embedded mode, as the query commands are), writes go
through the same engine calls as `antrian ingest` and `antrian dead-letters retry`.
"""
