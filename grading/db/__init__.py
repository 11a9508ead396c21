"""The database and everything that reads or writes it whole: the store (the one door to DuckDB), the schema and its
migrations, backups, exports, maintenance, first start and where the files live."""
