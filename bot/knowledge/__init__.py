"""The clinic's human-edited knowledge (YAML) and its loading into the store."""
