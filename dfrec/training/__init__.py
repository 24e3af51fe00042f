"""Training DFREC (and the DRN baseline) on synthetic forgeries of real photos."""
