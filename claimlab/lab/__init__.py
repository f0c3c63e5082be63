"""The claim design lab: which users get which claims, in which flows, at what size."""
