"""Customers: who the shop works for, their billing and ship-to addresses."""
