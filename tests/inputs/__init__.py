"""Tests of mentalbench/inputs/."""
