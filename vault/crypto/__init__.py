"""Ciphertexts: transformations, envelopes and the key ring; hand-written primitives below."""
