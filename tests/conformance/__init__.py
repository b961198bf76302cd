"""Engine behaviour suite: the real engine on a real store, once per store backend."""
