"""Identity and access: organizations, users, roles, system clients, sessions."""
