"""Tests of the managers' and funders' report: its figures, by office, and what they cost."""
