"""The parts `podium.app.App` is made of, one concern a module (see podium.app)."""
