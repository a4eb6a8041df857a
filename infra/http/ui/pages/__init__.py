"""The dashboard's pages, one module per area; each fetches what it shows from the API (ui/api.py)."""
