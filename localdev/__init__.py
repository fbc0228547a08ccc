"""Running the bot on a laptop: an embedded Redis and the LINE simulator, no accounts needed."""
