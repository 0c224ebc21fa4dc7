"""Helpers shared by every test directory (fixtures live in tests/conftest.py)."""
