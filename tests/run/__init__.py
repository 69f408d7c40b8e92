"""Tests of mentalbench/run/."""
