"""Test fakes and generators: never imported by the product package."""
