"""A subscriber to Kyodo's JetStream streams, built on FastStream: the kit other city systems start from."""
