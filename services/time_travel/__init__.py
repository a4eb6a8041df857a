"""Time travel: the state as it was at an instant of business time, read from the event store.

`moment.py` says which part of the log an instant covers (from the inbox entries'
message times; on SQLite and PostgreSQL from the index of them the store keeps,
`indexed.py`, with `indexed_cut.py`'s queries), `versions.py` which version of an aggregate that part ends at,
and `views.py` what the queue, an order and a stock position were then (the
position built by services/stock_position.py, as the live one is).
"""
