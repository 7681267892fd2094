#!/usr/bin/env bash
# Adds a migration named $1 to both migrations sets, so that SQLite and PostgreSQL stay in step:
#   Data/Migrations           AppDbContext, SQLite (the embedded default)
#   Data/Postgres/Migrations  PostgresAppDbContext, PostgreSQL
# The model comes from the app's own services (Identity's options shape its tables), configured for each provider by
# the arguments after `--`; adding a migration never connects, so the PostgreSQL connection string is a placeholder.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: CommsConsole/Data/add-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
dotnet ef migrations add "$name" --project CommsConsole --context AppDbContext -o Data/Migrations
dotnet ef migrations add "$name" --project CommsConsole --context PostgresAppDbContext -o Data/Postgres/Migrations \
  -- --Database:Provider=Postgres "--ConnectionStrings:DefaultConnection=Host=localhost;Database=commsconsole"
