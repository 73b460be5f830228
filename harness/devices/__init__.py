"""Device backends behind one Protocol, chosen from a registry by the farm entry's kind."""
