"""DFREC: deepfake identity recovery (ISM segments, SIRM rebuilds the source, TIRM the target).

Importing the package loads no torch; import the submodules you need.
"""

__version__ = "0.1.0"
