"""The trash: orders and customers moved there, listed for those who may restore them."""
