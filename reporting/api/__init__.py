"""The REST endpoints of reporting (routed under /api/v1/ by ``cases.api.urls``)."""
