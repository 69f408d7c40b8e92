"""Tests of mentalbench/backends/."""
