"""Where a model is found: the registry, its catalog, families, model files, layout, GGUF -> IR."""
