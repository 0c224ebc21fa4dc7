"""tuilogs: explore Heroku-style logs in the terminal, and route them like Logplex."""

__version__ = "0.1.0"
