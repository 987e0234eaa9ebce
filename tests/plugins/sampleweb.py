"""Sample-web fixtures (being written)."""
