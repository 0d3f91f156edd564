"""emulator layer of eidlib."""
