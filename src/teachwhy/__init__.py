"""teachwhy: teach language models why they should behave well, and measure whether it worked."""

__version__ = "0.1.0"
