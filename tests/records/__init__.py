"""Tests of mentalbench/records/."""
