"""The sections beyond the post: each one's title, and why its cases are checked as they
are (colour spaces, weight modes, sizes): the note the docs and the gallery show."""

TITLES = {
    "activations": "Activations: every one Keras exports, per pixel and in a 3x3 convolution",
    "initializers": "Initializers: by name",
    "convolutions": "Convolutions: depthwise, separable, strides, dilation, groups, transposed",
    "pooling-strides": "Pooling: strides other than the pool, global pooling",
    "resampling": "Resampling: upsampling, resizing, padding, cropping, rescaling",
    "normalization": "Normalization",
    "preprocessing": "Image preprocessing: deterministic",
    "augmentation": "Image augmentation: random, with a fixed seed",
    "channels-first": "Condition: channels_first",
    "odd-sizes": "Condition: odd and non-square inputs",
    "integer-inputs": "Condition: integer (uint8) inputs",
    "mixed-precision": "Condition: mixed precision (float16, bfloat16)",
    "low-precision": "Condition: float16 and bfloat16, as a layer's dtype and under a mixed policy",
    "input-kinds": "Condition: uint8 and float32 inputs, as tensors and NumPy arrays, and batches of copies",
}
NOTES = {
    "activations": "RGB only, fixed weights: an activation acts on each value alone, so other colour "
    "spaces only change its input, and NumPy-drawn weights make it the same picture on every backend. "
    "relu, sigmoid, softplus, tanh and linear are in the post's sections; swish and hard_swish are "
    "aliases of silu and hard_silu (a property checks they agree); glu halves the channels and threshold "
    "needs arguments, so neither maps a tensor to one of its shape.",
    "initializers": "RGB only, keras weights: the check is that Keras finds the initializer by its name "
    "(identity draws nothing, so it comes out the same on every backend), and that a seed of 0 is a seed "
    "(layerviz leaves it as the case gives it; before Keras 3.2.0 it drew anew on every run).",
    "convolutions": "RGB only, fixed weights, except one keras-weights case for each layer whose "
    "initializers the post does not have (DepthwiseConv2D, SeparableConv2D).",
    "pooling-strides": "RGB only; global pooling (one colour per photo, a swatch) in all four colour spaces, "
    "where the average or maximum colour differs.",
    "resampling": "RGB only: resampling moves pixels, not colours. Up from 48 px, down from 128 px.",
    "normalization": "RGB only: the statistics are per channel, and another colour space only changes "
    "what is normalized.",
    "preprocessing": "RGB only, values in [0, 1] (value_range) as the photos are.",
    "augmentation": "RGB only, each layer with a seed of its own and training=True (in inference they "
    "pass the photo through); the random draws differ between backends, so the baselines are per "
    "backend, as keras-mode weights are.",
    "channels-first": "RGB, fixed weights: the layer on the photo transposed to channels first, then "
    "transposed back; a property checks it equals the channels-last layer on every backend.",
    "odd-sizes": "RGB, fixed weights: 63 x 63 and 63 x 48 inputs beside a 64 x 64 one, where padding and "
    "strides do their arithmetic.",
    "integer-inputs": "RGB: the photo as uint8 levels 0-255 (an integer output is shown divided by 255); "
    "a property compares each with the float path.",
    "mixed-precision": "RGB, fixed weights, under the dtype policies mixed_float16 and mixed_bfloat16; "
    "a property bounds the distance to float32 with a measured tolerance.",
    "low-precision": (
        "RGB, 32 px, fixed weights: each activation in a 3x3 convolution, and each layer with a kernel "
        "of its own, computed in float16 or bfloat16 (dtype) or with float32 variables (mixed policy). "
        "Only the ones a backend or Keras release changed are kept; each names the release pair."
    ),
    "input-kinds": (
        "RGB: the preprocessing, augmentation and resampling layers fed a uint8 tensor of levels "
        "(value_range 0-255), a float32 NumPy array or a uint8 one, and the random layers a batch of four "
        "copies of the photo, side by side. Only the ones a release changed are kept; each names the "
        "release pair."
    ),
}
