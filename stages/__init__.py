"""The pipeline's stages (`python -m stages.<name>`) and the library code they share."""
