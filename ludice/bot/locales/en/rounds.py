"""English texts: a group challenge card while its rounds are rolled (the round's label is
drawn on the card instead of posted)."""

TEXTS: dict[str, str] = {
    "card_players_in_play": "Players: {players}",
}
