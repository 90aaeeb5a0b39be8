"""Data quality: completeness, validity, uniqueness, timeliness, cross-department consistency."""
