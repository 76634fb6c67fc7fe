"""Engine settings for the CPU at hand: its class (cpu.py) and what bench/ measured
fastest on that class (choice.py)."""
