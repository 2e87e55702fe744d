"""Models of the programs containers run; each decides from its own inputs whether it runs."""
