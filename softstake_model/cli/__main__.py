"""``python -m softstake_model.cli``: the ``softstake`` command."""

from . import command

command()
