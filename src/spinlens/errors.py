"""Exceptions raised by spinlens.

Every error derives from one root so callers can catch them all::

    SpinlensError
     ├── InputError            bad user input (empty text, binary file, bad UTF-8, too large, missing path)
     ├── DataError             a corpus file is missing or malformed
     ├── ModelError            the model files are missing, corrupt or fail their sha256 check
     │    └── NotFittedError   a model object was used before `load`/`fit`
     └── SchemaError           a serialized object does not match the schema (also a ValueError)
"""

from __future__ import annotations


class SpinlensError(Exception):
    """Root of every spinlens error."""


class InputError(SpinlensError):
    """A user-supplied input cannot be analyzed."""


class DataError(SpinlensError):
    """A corpus is missing or malformed."""


class ModelError(SpinlensError):
    """Model files are missing, corrupt or do not match their recorded sha256."""


class NotFittedError(ModelError, AttributeError):
    """The model was used before it was loaded or fitted."""


class SchemaError(SpinlensError, ValueError):
    """A serialized object does not match the schema."""
