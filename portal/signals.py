"""Signal receivers of the portal core."""
