"""Ingest: data arriving by upload, REST push, event stream or live source, validated alike."""
