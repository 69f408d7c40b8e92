"""Tests of mentalbench/rating/."""
