"""The code of reporting that reads the cases in a compilation's scope: tables, statistics, anonymised summaries."""
