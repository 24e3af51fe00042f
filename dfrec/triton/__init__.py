"""Running the Triton server bundled in the nvidia-pytriton wheel."""
