"""Discord adapter: core replies as embeds, markdown and buttons, and the app commands to register."""
