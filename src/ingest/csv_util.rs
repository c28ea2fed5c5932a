//! Shared CSV helpers (dialect sniffing, PowerShell `#TYPE` line, header lookup).
