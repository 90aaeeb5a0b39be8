"""Cryptographic helpers shared by domains: secrets at rest, token hashing."""
