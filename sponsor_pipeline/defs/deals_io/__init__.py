"""Owns the deals and IO domain: IO status and deal stage sensors, io_delivery and the daily schedule."""
