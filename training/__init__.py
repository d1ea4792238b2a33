"""Training for millcheck: the artifact corpus, fine-tuning, metrics and evaluation reports."""
