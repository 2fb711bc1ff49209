"""Stage 5, the files: baselines and their manifests, where a check's baseline lives, and
the output folders layerviz may write into (and delete from)."""
