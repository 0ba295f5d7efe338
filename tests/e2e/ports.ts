export const API_PORT = 3100;
export const OUTAGE_PORT = 3101;
export const STARTUP_PORT = 3102;
