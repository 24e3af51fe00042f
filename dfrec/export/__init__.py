"""Turning a checkpoint into a Triton model repository."""
