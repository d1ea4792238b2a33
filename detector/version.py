"""The package's version and the output format's, each written once.

`FORMAT_VERSION` is in every JSONL/CSV/Parquet record: bump it, with a CHANGELOG line, whenever a
field of the output changes meaning or goes away (new fields alone do not need it).
"""

__version__ = "0.3.0.dev0"
FORMAT_VERSION = 2
