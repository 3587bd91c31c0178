"""The web pages of notifications: the list of in-app messages and the preferences (/notifications/)."""
