"""Cases (办件): applications for a service item, from the front desk to the outcome."""
