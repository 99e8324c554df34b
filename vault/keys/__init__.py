"""Which keystore and password a command means, and opening it into a key ring."""
