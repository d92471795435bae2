"""Training of the span tagger (needs the ``train`` extra: torch, transformers). Nothing imports this package.

Pipeline: ``prepare`` turns corpora into token windows with labels (numpy), ``fit`` fine-tunes the
encoder with three heads (technique-agnostic BIO, per-technique token sigmoid, span classifier),
``export`` writes ONNX (+ int8) and the head weights used by :mod:`spinlens.model`.
"""
