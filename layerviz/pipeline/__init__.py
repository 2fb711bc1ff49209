"""Stage 3, layer → render: a subject (a case, a user's layer, list or model) run on the
photos with its weights, and the rendering of its output (outcomes.outcome, a Request
in, is the one way in for every caller)."""
