"""Reference tables loaded from the samples (or a configured) folder: tenants, shows, episodes..."""
