"""Vendor-shaped views of the demo firm: what its data looks like inside a vendor's API.

`harvest` writes the canonical demo firm as Harvest v2 + Harvest Forecast collections;
`harvest_api` serves such collections with the vendors' paging and filtering (simulator.serve).
"""

SHAPES = ("harvest",)
