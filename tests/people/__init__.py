"""Tests of staff accounts: passwords, sign-ins and two-factor."""
