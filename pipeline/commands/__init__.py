"""CLI subcommands: one module per command, each exposing `add_parser(subparsers)`.

Handlers take the parsed arguments and return an exit code; heavy imports stay inside
handlers so `newscorpus --help` starts fast.
"""
