"""Tests under load: several processes, crashes, and the bench."""
