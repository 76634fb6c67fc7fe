"""Board of specialists: pluggy router and coordinator strategies (issue #5).

Nothing is implemented here yet; the package exists so the layout from the design
card is in place.
"""
