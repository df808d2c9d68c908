"""Helpers for Convnet Origins, laid out by notebook: notebook NN_slug (01_proto_cnns to
08_what_convnets_are_good_for) finds its code in helpers/<slug>*.py and its self-checks in
helpers/exercises/<slug>.py; the shared plumbing is named for its job. Importing this package has no side effects."""

__all__: list[str] = []
__version__ = "0.1.0"
