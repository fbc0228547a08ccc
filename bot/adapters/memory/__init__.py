"""In-memory adapters: fakes that keep the Redis adapters' contracts, for the unit tier."""
