"""The REST views of reporting: statistics, compilations, exports and regulator documents."""
