"""Stage 0, what every stage shares and that imports no other: seeds, tolerances,
exceptions as outcomes, known divergences and versions, the numeric environment, and the
quiet, progress-bar terminal."""
