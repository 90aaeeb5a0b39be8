"""govbridge: safe data sharing between government departments and one-stop services."""

__version__ = "0.1.0"
