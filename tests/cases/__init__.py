"""Tests of casework: cases, their pages, and who may see them."""
