"""Training RoFormer-Sim / SimBERT in Keras: UniLM seq2seq + in-batch contrastive, CoSENT, MLM.

Builds on `simservice.model` only; writes the official TF1 checkpoint format via `save_tf1`.
"""
