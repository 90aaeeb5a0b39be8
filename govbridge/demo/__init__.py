"""The demo city of Suzhou: departments, residents, companies and accounts, generated purely."""
