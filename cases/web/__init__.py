"""The server-rendered web pages: filing, My reports, the public form, the work inbox, the
case page and the actions board. Views are thin: reads through ``cases.selectors``, every
change through ``cases.services``; templates live in ``templates/web/``."""
