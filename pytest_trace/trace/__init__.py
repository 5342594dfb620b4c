"""The execution trace: recording calls of trainable functions and rendering them."""
