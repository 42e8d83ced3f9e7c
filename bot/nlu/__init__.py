"""NLU pieces: the spaCy condition matcher and the Rasa graph components around it."""
