"""What remains of the former compilations package: the anonymisation used by the domain.
Compilations, statistics and exports live in the ``reporting`` app; pure helpers in ``lib``."""
