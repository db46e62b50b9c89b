"""Helpers of the fault-injection, resume and bad-input suites: a connector process
that is killed after N records, small emulator worlds, and a destination model."""
