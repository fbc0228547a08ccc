"""The operator commands of `python -m bot` (bot/__main__.py lists them): one module each."""
