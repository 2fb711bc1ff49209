import io

from layerviz.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(3, "rendering", stream) as progress:
        for case in ("a", "b", "c"):
            progress.advance(case)
    assert stream.getvalue() == ""


def test_bar_on_a_terminal():
    stream = Terminal()
    with Progress(4, "rendering", stream, width=8) as progress:
        progress.advance("merging/add/rgb")
        assert stream.getvalue().startswith("\rrendering [##......] 1/4 merging/add/rgb")
        for _ in range(3):
            progress.advance()
    assert "[########] 4/4" in stream.getvalue()
    assert stream.getvalue().endswith("\n")
