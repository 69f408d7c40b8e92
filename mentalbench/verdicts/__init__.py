"""Reading a judge's reply: ratings by metric name, in text, JSON or rating slots."""
