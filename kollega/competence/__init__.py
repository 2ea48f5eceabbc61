"""The competence register: frameworks, real and formal competence, requirements."""
