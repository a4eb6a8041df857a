"""Customer notifications: what each customer is told, composed from Order and Stock events.

`views` follows one order line as the customer sees it, `compose` decides
what (if anything) is new for them compared with what they were last told,
`templates` words it in their language, `outbox` keeps every notification
and its delivery status (kept across rebuilds), `projection` wires these
to the feed, and `dispatcher` with `channels` delivers them.
"""
