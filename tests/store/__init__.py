"""Tests of mentalbench/store/."""
