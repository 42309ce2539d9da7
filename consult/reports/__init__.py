"""The workshop's outcome report (محضر): one outcome model (outcome.py) and a writer per format."""
