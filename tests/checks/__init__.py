"""Tests of mentalbench/checks/."""
