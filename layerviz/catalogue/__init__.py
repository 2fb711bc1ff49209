"""Stage 2, the catalogue: every case, what it runs and why (cases: the types; atlas: the
checks beyond the seed post; registry: the whole list, in order). It needs no Keras.

The registry's names are importable from here, as the docs show them."""

from layerviz.catalogue.registry import (
    CASES,
    CHECKS,
    CONFIGS,
    POST_SECTIONS,
    SECTION_NOTES,
    SECTION_TITLES,
    SECTIONS,
    UnknownNameError,
    get_case,
    select,
)

__all__ = [
    "CASES",
    "CHECKS",
    "CONFIGS",
    "POST_SECTIONS",
    "SECTIONS",
    "SECTION_NOTES",
    "SECTION_TITLES",
    "UnknownNameError",
    "get_case",
    "select",
]
