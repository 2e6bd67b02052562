"""Tests of the records kept: retention, backups, migrations, PostgreSQL and the audit log."""
