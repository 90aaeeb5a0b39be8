"""Electronic seals (电子印章): keys, certificates, sealed JSON (JWS)."""
