"""Tests of security: abuse, the access table, headers, rate limits and the fuzz tests."""
