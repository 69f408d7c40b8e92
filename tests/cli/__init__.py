"""Tests of mentalbench/cli/."""
