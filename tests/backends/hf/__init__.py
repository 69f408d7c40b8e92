"""Tests of mentalbench/backends/hf/."""
