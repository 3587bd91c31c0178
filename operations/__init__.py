"""Operability: the health endpoint (django-health-check), the Prometheus metrics
(prometheus-client) and the structured JSON logs carrying the request id
(docs/operations.md). Not part of the domain floor; the floor does not import it."""
