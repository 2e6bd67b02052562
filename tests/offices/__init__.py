"""Tests of offices: adding them, and staff, devices and queues kept to their own office."""
