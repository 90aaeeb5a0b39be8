"""The city's subjects: persons and companies that data and services are about.

What the domain offers: only its tables (`models`: `Person`, `Company`), filled by the demo
loader and read by certificate issuance and the cases; it has no use cases of its own.
"""
