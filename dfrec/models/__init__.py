"""The three DFREC networks and the pipeline that chains them."""
