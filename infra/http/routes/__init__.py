"""One router per subject; infra/http/app.py mounts them all."""
