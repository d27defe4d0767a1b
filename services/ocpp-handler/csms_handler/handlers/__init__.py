"""One module per OCPP action per version; each exports one pure handler function."""
