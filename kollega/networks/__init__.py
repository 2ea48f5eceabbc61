"""Learning networks: networks, threads, messages, reactions, notifications."""
