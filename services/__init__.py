"""StageSub services: plain Python, no Reflex import."""
