"""The library: configuration model, environment files and constructs (never a Stack)."""
