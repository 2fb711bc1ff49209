"""Stage 4, compare: a rendering against its baseline within a tolerance (naming the first
layer that changed), and what the comparison means (the verdict table)."""
