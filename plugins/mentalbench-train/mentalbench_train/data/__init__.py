"""Training-data pipelines: synthetic conversations, and private transcripts paraphrased."""
