"""wsaconform: orchestration, collation, reports and gating of the conformance suite."""

__version__ = "0.1.0"
