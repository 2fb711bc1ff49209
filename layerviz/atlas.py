"""The atlas: Keras's image layers beyond the seed post, under the conditions where
Keras has changed (resampling, preprocessing, depthwise and separable convolutions,
strides and dilation, "same" padding on odd sizes, channels_first, integer inputs,
reduced precision).

Plain data, as the rest of the catalogue. Each section says why it is checked in the
colour spaces and weight modes it has: every case costs every clone its pictures.
"""

from __future__ import annotations

from layerviz.cases import LayerConfig

SECTION_TITLES: dict[str, str] = {}
# Why each section has the colour spaces, modes and sizes it has.
SECTION_NOTES: dict[str, str] = {}
CONFIGS: tuple[LayerConfig, ...] = ()
