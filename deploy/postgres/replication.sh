#!/bin/sh
# Lets the replica stream from the primary (the application role replicates here; give it a
# role of its own in a real installation).
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "ALTER ROLE $POSTGRES_USER REPLICATION"
echo "host replication $POSTGRES_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
