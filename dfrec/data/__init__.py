"""Training data: face alignment, synthetic forgeries with known ground truth, identity splits."""
