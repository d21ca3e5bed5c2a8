"""simservice: Chinese sentence similarity and paraphrases on RoFormer-Sim and SimBERT."""

__version__ = "0.1.0"
