"""Benchmarks of the kit (speed targets live here, not in the test suite)."""
