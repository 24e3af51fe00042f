"""Baselines DFREC is compared against, trained on the same synthetic forgeries."""
