"""Tests of mentalbench/results/."""
