"""Training-data pipelines: synthetic counseling conversations and privately paraphrased transcripts."""
