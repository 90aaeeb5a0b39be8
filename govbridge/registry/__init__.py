"""The city's subjects: persons and companies that data and services are about."""
