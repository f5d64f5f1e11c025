"""Reports: due outs, shipped, sales, art queue and customer order history."""
