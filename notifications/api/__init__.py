"""The REST endpoints of notifications: the in-app messages (/api/v1/notifications/)."""
