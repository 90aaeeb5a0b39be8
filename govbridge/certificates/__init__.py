"""Electronic certificates (电子证照): issuance, sealing (JWS/VC 2.0 and PAdES), verification."""
