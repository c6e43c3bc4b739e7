"""The quiz and study engine: questions (curated and generated), filters, games, single questions
and study reviews, as a state machine over storage with time from the injected clock."""
