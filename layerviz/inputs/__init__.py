"""Stage 1, image in: photos (bundled or the user's) and the colour spaces they are
shown in."""
