"""Loaders for the offline pretrained networks that ship inside pip packages.

FaceNet (identity loss, IDSIM), VGG19 (perceptual loss), the FID Inception network and the dlib
identity judge. Nothing loads at import time: each module has a cached `load_*` function.
"""
