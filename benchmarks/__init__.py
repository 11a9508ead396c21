"""Benchmarks of ClientGrade: ``python -m benchmarks.run`` rewrites BENCHMARKS.md (see README, Benchmarks)."""
