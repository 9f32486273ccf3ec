"""Deals and IOs: io_delivery, IO documents, and the IO status / deal stage sensors."""
