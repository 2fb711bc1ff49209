"""Two layers of a small image project, and the model they go into.

What layerviz checks in tests/: a layer with learned weights (ColourMix), one without
(SobelEdges), and slices of a functional model (classifier).
"""

from __future__ import annotations

import keras


class ColourMix(keras.layers.Layer):
    """Mixes the channels of every pixel with a learned C x C matrix (a 1x1 convolution
    without bias): learned colour correction."""

    def __init__(self, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        # Kept as an attribute, as Keras's own layers do: layerviz's "fixed" weights read
        # the initializer from `<weight name>_initializer`.
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.kernel = self.add_weight(shape=(channels, channels), initializer=self.kernel_initializer, name="kernel")

    def call(self, images):
        return keras.ops.matmul(images, self.kernel)


class SobelEdges(keras.layers.Layer):
    """Edge strength of each channel: the magnitude of its Sobel gradients. No weights."""

    def call(self, images):
        sobel = keras.ops.convert_to_tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
        channels = images.shape[-1]

        def gradient(kernel):
            depthwise = keras.ops.tile(kernel[:, :, None, None], (1, 1, channels, 1))
            return keras.ops.depthwise_conv(images, depthwise, padding="same")

        across, down = gradient(sobel), gradient(keras.ops.transpose(sobel))
        return keras.ops.sqrt(across**2 + down**2) / 4.0


def classifier(channels: int, classes: int = 5) -> keras.Model:
    """A small classifier of 32 x 32 images: features, pooled, then logits."""
    inputs = keras.Input((32, 32, channels))
    features = keras.layers.Conv2D(16, 3, activation="relu", name="features")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    return keras.Model(inputs, keras.layers.Dense(classes, name="logits")(pooled), name="classifier")
