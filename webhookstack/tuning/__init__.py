"""Lambda memory/cost tuning (``webhookstack tune``): measure a function at several memory sizes
and recommend one, like aws-lambda-power-tuning, against the local stack or real AWS.

- :mod:`.pricing`: the documented price table and the cost of one invocation
- :mod:`.stats`: REPORT lines -> billed durations -> trimmed mean per memory size
- :mod:`.strategies`: cost / speed / balanced recommendations
- :mod:`.runner`: versions + ``TUNE-<mem>`` aliases, invocations, cleanup
- :mod:`.plots`: PNG and self-contained HTML
- :mod:`.events`: built-in test events; ``demo/``: a CPU-bound function
"""
