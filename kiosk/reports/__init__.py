"""Reports for managers and funders: drop-in and casework figures for a period and an office."""
