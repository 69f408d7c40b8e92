"""Tests of mentalbench/verdicts/."""
