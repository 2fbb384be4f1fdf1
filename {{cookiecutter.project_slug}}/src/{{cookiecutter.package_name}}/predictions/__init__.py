"""Predictions: the music-genre classifier, trained by `train.py` and served by `router.py`."""
