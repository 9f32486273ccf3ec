"""The catalogue domain: episodes read from each show's RSS feed."""
