"""CSMS->station calls the shadow service sends itself (CostUpdated, GetTransactionStatus,
SetChargingProfile): the frame on ``{cp}/call`` plus a ``sent`` command record."""
