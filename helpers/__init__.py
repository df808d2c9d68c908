"""Helpers for Convnet Origins: notebook NN_slug (01_proto_cnns to 08_what_convnets_are_good_for) finds its code in
helpers/<slug>*.py, its self-checks in helpers/exercises/<slug>.py; shared plumbing is named for its job."""

__all__: list[str] = []
__version__ = "0.1.0"
