"""The `kyodo` command line: embedded run, production serve, dev tokens, dead-letter operations, AsyncAPI."""
