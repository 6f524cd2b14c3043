"""One module per figure; each takes a started contender and returns a JSON-ready dict of numbers."""
