"""The remote-api: Flask app (run under gunicorn) for the station registry, shadows and remote commands."""
