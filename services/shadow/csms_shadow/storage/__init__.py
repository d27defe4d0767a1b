"""The Redis access layer every resource package goes through: every key name (keys.py), the Lua
scripts (scripts.py), the one client (connection.py), optimistic writes with bounded retries
(optimistic.py), and the watch that leaves shared requests to other replicas while Redis is out of
reach (redis_watch.py). docs/redis-keys.md lists every key with its type, owner and bound."""
