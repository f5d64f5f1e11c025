"""Orders: the shop's jobs, each with a LOG number, its money and its production record."""
