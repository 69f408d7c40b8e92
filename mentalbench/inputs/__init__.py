"""What a run reads: question sets, answers, rubrics and judgments made elsewhere."""
