"""The demo municipality: ``kollega seed demo`` (see ``kollega.demo.seed``)."""
