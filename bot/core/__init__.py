"""The platform-neutral core. Nothing under this package may import ``telegram`` or ``discord``:
adapters translate platform events into :mod:`bot.core.model` values and render the replies."""
