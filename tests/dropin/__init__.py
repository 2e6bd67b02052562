"""Tests of the drop-in: check-in, queue, schedule, display, tickets, polling, devices, reception's queue and desk."""
