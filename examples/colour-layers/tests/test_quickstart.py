import keras


class Negative(keras.layers.Layer):
    def call(self, images):
        return 1.0 - images


def test_negative(layer_regression):
    layer_regression.check(Negative())
