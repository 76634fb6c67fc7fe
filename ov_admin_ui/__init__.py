"""`make ui`: the front door with LiteLLM's admin UI, on a local PostgreSQL.

postgres.py runs the cluster (never as root), migrations.py creates LiteLLM's tables
from the SQL it ships, prisma_client.py generates the Prisma client, __main__.py puts
them together and starts the proxy.
"""
