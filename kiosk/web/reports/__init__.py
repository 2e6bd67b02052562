"""Reports for managers: the figures of a period and an office, their CSV files and the funder's version."""
