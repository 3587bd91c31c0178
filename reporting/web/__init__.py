"""The web pages of reporting: statistics, compilations, summary reviews, exports and the import."""
