"""``python -m dtindex``: the same as the ``dtindex`` command."""

from dtindex.cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="dtindex")
