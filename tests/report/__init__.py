"""Tests of mentalbench/report/."""
