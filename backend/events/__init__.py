"""Live events: the broker that carries them between the API processes (in memory, or over
Redis), and the server-sent-events stream that delivers them to a signed-in organisation.
Infrastructure: it knows channels and events, not what a placement request is."""
