"""Tests of mentalbench/plugins/."""
