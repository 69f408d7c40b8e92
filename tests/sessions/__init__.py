"""Tests of mentalbench/sessions/."""
