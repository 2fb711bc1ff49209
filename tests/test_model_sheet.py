"""`layerviz model`: a user's model as a cheat sheet, one row a layer."""

import re
import textwrap

import html5lib
import keras
import numpy as np

from layerviz import cli
from layerviz.pipeline.render import decode_png


def _saved(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(8, 3, activation="relu", name="features<b>"),  # a name to escape
            keras.layers.Conv2D(3, 3, activation="sigmoid", name="back"),
        ]
    )
    path = tmp_path / "mine.keras"
    model.save(path)
    return path


def test_a_saved_model_shows_every_layer_with_its_shape_parameters_and_values(tmp_path, capsys):
    out = tmp_path / "sheet"
    assert cli.main(["model", str(_saved(tmp_path)), "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    assert "features&lt;b&gt;" in page and "<b>" not in page
    assert "(None, 30, 30, 8)" in page and "(None, 28, 28, 3)" in page
    assert f"{3 * 3 * 3 * 8 + 8:,}" in page and f"{3 * 3 * 8 * 3 + 3:,}" in page
    pictures = sorted(p.name for p in (out / "layers").iterdir())
    assert pictures == ["001-features_b_.png", "002-back.png"]
    mosaic, _ = decode_png((out / "layers" / pictures[0]).read_bytes())
    assert mosaic.shape == (3 * 31 - 1, 3 * 31 - 1)  # 8 channels, 3 to a row
    assert len(list((out / "inputs").iterdir())) == 1  # it takes one photo: one is shown
    assert capsys.readouterr().out.strip() == str(out / "index.html")


def test_a_factory_is_called_with_the_channels_and_a_bad_spec_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "backbone.py").write_text(
        textwrap.dedent(
            """
            import keras

            def cut(channels):
                inputs = keras.Input((32, 32, channels))
                x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(inputs)
                y = keras.layers.DepthwiseConv2D(3, padding="same", name="depthwise")(x)
                y = keras.layers.BatchNormalization(name="bn")(y)
                x = keras.layers.Add(name="residual")([x, keras.layers.ReLU(name="relu")(y)])
                return keras.Model(inputs, keras.layers.Conv2D(16, 1, name="block_1_expand_relu")(x))
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["model", "backbone:cut", "--out", "sheet"]) == 0
    page = (tmp_path / "sheet" / "index.html").read_text()
    rows = re.findall(r"<tr><td>(\d+)</td>", page)
    assert rows == [str(n) for n in range(1, 7)]  # stem, depthwise, bn, relu, residual, expand
    assert "block_1_expand_relu" in page and "weights keras" in page
    capsys.readouterr()
    for spec, said in [
        ("missing.keras", "missing.keras: no such file"),
        ("nomodule:f", "cannot import nomodule"),
        ("backbone:nothing", "backbone has no function 'nothing'"),
        ("backbone", "give PATH.keras or module:factory"),
    ]:
        assert cli.main(["model", spec, "--out", "sheet"]) == 2
        error = capsys.readouterr().err
        assert said in error and error.count("\n") == 1, error
    assert cli.main(["model", "backbone:cut", "--size", "48", "--out", "sheet"]) == 2
    assert "takes 32x32 inputs (its input shape), not the 48x48 asked for" in capsys.readouterr().err
    np.testing.assert_array_equal(  # the sheet's output is the model's own
        decode_png((tmp_path / "sheet" / "output.png").read_bytes())[0].shape[:2],
        decode_png(sorted((tmp_path / "sheet" / "layers").iterdir())[-1].read_bytes())[0].shape[:2],
    )
