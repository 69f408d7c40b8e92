"""Tests of mentalbench/judging/."""
