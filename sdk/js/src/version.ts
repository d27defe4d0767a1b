// The SDK's version: the same as package.json, the API's release and the Python SDK's (a test keeps them equal).
export const VERSION = "0.1.0";
