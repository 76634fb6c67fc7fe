"""`ov-convert-model`: raw model -> OpenVINO IR -> registry (issue #3).

Nothing is implemented here yet; the package exists so the layout from the design
card is in place.
"""
