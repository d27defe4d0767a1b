"""Shadow documents (AWS IoT style: reported, desired, metadata, version) and their store.
Pure merges and budgets (document, desired, budget, reported_configuration), the shadow store
(station records, reported state, presence: store.py), desired-state writes and update batching."""
