"""Wikidata: the API client (the only importer of requests), entity JSON -> values, one note's plan.

Importing this package imports nothing else: the pre-commit hook must not pay for requests.
"""
