"""Peak-season systems: surges of one kind of contact, and what the floor does about them."""
