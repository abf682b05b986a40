"""hipflask's version, in a module of its own so that the toolkit can name it in headers and
banners without importing the framework package's root."""

__version__ = "0.1.0"
