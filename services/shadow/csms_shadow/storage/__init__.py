"""The Redis access layer every resource package goes through: every key name (keys.py), the Lua
scripts (scripts.py), the one client (connection.py) and optimistic writes with bounded retries
(optimistic.py). docs/redis-keys.md lists every key with its type, owner and bound."""
