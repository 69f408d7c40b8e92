"""Tests of mentalbench/models/."""
