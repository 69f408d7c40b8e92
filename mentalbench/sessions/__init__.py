"""Multi-turn sessions: role cards, a simulated client, session runs, and their judging."""
