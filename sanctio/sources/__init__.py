"""Sources: one module per official list format, each registering itself in ``SOURCES``.

Adding a list is adding one module here and one line below.
"""

from sanctio.sources import (  # noqa: F401  (imported for their registration)
    au_dfat,
    ca_sema,
    custom_csv,
    eu_fsf,
    ofac_csv,
    ofac_xml,
    uk,
    un_xml,
)
from sanctio.sources.base import SOURCES, ParseContext, ParseError, Source

__all__ = ["SOURCES", "ParseContext", "ParseError", "Source"]
