"""Stage 6, report and gallery: the pages (Jinja2 templates, autoescaped) and pictures made
of renderings and comparisons: the report of what changed, the cheat sheet, a model's
sheet."""
