"""The code of reporting that writes: the monthly counts, the exports and their retention, the regulator documents."""
