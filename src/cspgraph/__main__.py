"""``python -m cspgraph``: the same command line as ``cspgraph``, for an environment whose scripts are not on PATH."""

from .cli import main

if __name__ == "__main__":
    main()
