"""``python -m spinlens``: the command-line interface."""

from spinlens.cli import main

if __name__ == "__main__":
    main()
