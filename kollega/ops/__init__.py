"""Operations: the health check (``/healthz``) and structured logs for production."""
