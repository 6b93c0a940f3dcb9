"""The application shell: the app factory (the composition root), configuration, the
command line, the tick's jobs, the senders behind the outbox, the whole schema."""
