"""claimlab."""
