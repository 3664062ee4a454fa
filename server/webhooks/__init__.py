"""Outbound webhooks (design §10): outbox, delivery worker, signatures, outbound safety.

Layering: `outbox` (emit inside the caller's transaction) and `endpoints` (the app's settings
screen) need only `server.db` and the generated event table, so services may call them;
`worker`, `sender` and `addresses` talk to the network and never import the HTTP app, handlers
or services.
"""
