"""Compilations and statistics from case data: the nämnd compilation and the
kvalitetsberättelse chapter (tables), small-count protection (suppression), exports
(CSV, XLSX, PDF, DOCX), statistics with server-side SVG charts, and background exports.

Every table is computed by aggregate queries over the cases that ``cases.selectors`` gives
for the compilation's scope; no case content leaves except the anonymised summaries."""
