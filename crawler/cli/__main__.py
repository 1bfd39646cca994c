"""`python -m crawler.cli`: the `newsarchive` command without its console script."""

from crawler.cli import main

main()
