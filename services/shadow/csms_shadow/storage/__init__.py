"""The Redis access layer every resource package goes through: optimistic writes (WATCH/MULTI or
compare-and-set scripts) with bounded retries."""
