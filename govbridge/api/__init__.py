"""HTTP edge: the FastAPI application, problem details, authentication of callers."""
