"""Restate services for the benchmark contenders, served in a child process by the testing kit."""
