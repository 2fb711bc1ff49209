"""Stage 8, upgrades: environments of other Keras and backend releases (stacks), a
catalogue tree rendered in one (obtain), two stacks side by side and bisect (two_stacks),
and every release (sweep)."""
