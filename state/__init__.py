"""Reflex state classes (view models). They call services through ``asyncio.to_thread``, never a database."""
