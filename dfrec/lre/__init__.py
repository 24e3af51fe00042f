"""LRE (seed 001): local reconstruction errors, a second forgery detector with a heat map.

A masked autoencoder trained on real faces rebuilds the key facial region from the rest of the
face; a frozen ImageNet network compares input and reconstruction layer by layer; the resulting
difference attention weights a detector's intermediate features. The averaged attention is the
heat map of where the face does not rebuild.
"""
