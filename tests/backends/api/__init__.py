"""Tests of mentalbench/backends/api/."""
