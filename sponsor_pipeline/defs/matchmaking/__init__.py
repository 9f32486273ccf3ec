"""Matchmaking: the match_scores asset (show × campaign fit), its range check and its weights resource."""
