"""The sentence-vector head: [CLS] of the last layer through a Dense with a linear activation."""

import keras

from simservice.model.dense import Dense


class Pooler(keras.layers.Layer):
    """hidden [batch, length, hidden] -> Dense(hidden[:, 0]); linear, as RoFormer-Sim and SimBERT use it."""

    def __init__(self, hidden_size: int, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.dense = Dense(hidden_size, name="dense")

    def build(self, input_shape=None):
        self.dense.build((None, self.hidden_size))
        self.built = True

    def call(self, hidden):
        return self.dense(hidden[:, 0])

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size}
