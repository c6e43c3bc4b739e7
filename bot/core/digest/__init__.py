"""The daily digest: when each chat's post is due (zone-aware), what it says, and delivering it
exactly once per chat and local date, paced within the platforms' limits."""
