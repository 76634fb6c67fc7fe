"""`ov-convert-model`: a Hugging Face folder or a GGUF file -> OpenVINO IR (optimum-intel)
-> the registry, staged and atomic, with `conversion.json` beside each model.

`cli` parses and renders; `pipeline` runs a conversion; `export` calls optimum-intel;
`registrar` writes the registry; `inventory` lists it.
"""
