"""Records kept beside the shadows: transactions (started, updated, ended, folded into one
record per transaction) and CSMS->station command records (sent, then answered/error/timeout)."""
